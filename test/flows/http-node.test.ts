import { describe, expect, it } from 'vitest';
import { startFlow, step, type FlowAction, type StepResult } from '../../flows/engine.js';
import { contextOf, feed, inlineFlows, texts } from './inline.js';

const api = `flow: api
start: ask_q
intents:
  stop: "@stop"
  restart: "@restart"
  agent: people
nodes:
  ask_q:
    ask: "Search?"
    var: q
    next: defaults
  defaults:
    set: { n: 3 }
    next: call
  call:
    http:
      method: POST
      url: "https://api.example.com/search/{{ q }}?lang={{ contact.locale }}&ch={{ channel }}"
      headers: { Authorization: "Bearer {{ secrets.token }}", X-Query: "{{ q }}" }
      body: '{"query": {{ q }}, "n": {{ n }}, "who": {{ contact.name }}}'
      timeoutMs: 1000
      maxBytes: 1024
    var: result
    next: show
    onError: failed
  show:
    say: "Found {{ result.count }}."
    next: second
  second:
    http:
      url: "http://127.0.0.1:3000/ping"
      headers: { Accept: "text/json" }
    var: ping
    next: bye
    onError: bye
  bye:
    end: "Bye."
  failed:
    say: "Failed: {{ result.error }}"
  people:
    handoff: { message: "Passing on." }
`;
const flows = inlineFlows(api);
const flow = flows.get('api')!;
const ctx = contextOf(flows, { secrets: { token: 's3cret' } });
const request = (result: StepResult) => (result.actions.at(-1) as Extract<FlowAction, { type: 'http' }>).request;
const asked = (q: string, c = ctx) => feed(startFlow(flow, c), [q], c);

describe('http node', () => {
  it('emits the request, rendered per part, and waits for its result', () => {
    const out = asked('a/b c?');
    expect(out.actions).toEqual([{ type: 'http', request: expect.any(Object) }]);
    expect(request(out)).toEqual({
      method: 'POST',
      url: 'https://api.example.com/search/a%2Fb%20c%3F?lang=en&ch=api',
      headers: { Authorization: 'Bearer s3cret', 'X-Query': 'a/b c?', accept: 'application/json', 'content-type': 'application/json' },
      body: '{"query": "a/b c?", "n": 3, "who": null}',
      timeoutMs: 1000,
      maxBytes: 1024,
    });
    expect(out.state).toMatchObject({ node: 'call', status: 'waiting', awaiting: 'http', vars: { q: 'a/b c?', n: 3 } });
  });

  it('keeps what the contact typed from changing the URL path, the headers or the JSON structure', () => {
    const sneaky = request(asked('..'));
    expect(sneaky.url).toBe('https://api.example.com/search/%252E%252E?lang=en&ch=api');
    const injected = request(asked('x"}, "admin": true, "y": {"\r\nX-Admin: 1'));
    expect(injected.headers['X-Query']).toBe('x"}, "admin": true, "y": {" X-Admin: 1');
    expect(JSON.parse(injected.body!)).toEqual({ query: 'x"}, "admin": true, "y": {"\r\nX-Admin: 1', n: 3, who: null });
  });

  it('fills secrets from the context only: a flow variable cannot stand in for them', () => {
    const spoofed = feed(startFlow(flow, ctx, { secrets: { token: 'fake' } }), ['q'], ctx);
    expect(request(spoofed).headers.Authorization).toBe('Bearer s3cret');
    const none = contextOf(flows);
    expect(request(feed(startFlow(flow, none, { secrets: { token: 'fake' } }), ['q'], none)).headers.Authorization).toBe('Bearer ');
  });

  it('stores the JSON of a good result in var and goes to next', () => {
    const found = feed(asked('cats'), [{ type: 'http-result', ok: true, json: { count: 7 } }], ctx);
    expect(texts(found.actions)).toEqual(['Found 7.', '<http>']);
    expect(found.state).toMatchObject({ node: 'second', awaiting: 'http', vars: { result: { count: 7 } } });
    // Defaults: GET, no body, 5 s, 64 KiB; the flow's own Accept header is kept.
    expect(request(found)).toEqual({ method: 'GET', url: 'http://127.0.0.1:3000/ping', headers: { Accept: 'text/json' }, timeoutMs: 5000, maxBytes: 65536 });
    const done = feed(found, [{ type: 'http-result', ok: true, json: null }], ctx);
    expect(done.state).toMatchObject({ node: 'bye', status: 'ended', vars: { ping: null } });
    expect(done.state.awaiting).toBeUndefined();
  });

  it('stores { error } and goes to onError on a failed result', () => {
    const failed = feed(asked('cats'), [{ type: 'http-result', ok: false, error: 'status 503' }], ctx);
    expect(texts(failed.actions)).toEqual(['Failed: status 503']);
    expect(failed.state).toMatchObject({ node: 'failed', status: 'ended', vars: { result: { error: 'status 503' } } });
  });

  it('ignores messages while the request is out, intents included, except an opt-out', () => {
    const out = asked('cats');
    for (const text of ['hello', 'agent', 'restart', '']) expect(step(flow, out.state, { type: 'text', text }, ctx)).toEqual({ actions: [], state: out.state });
    expect(step(flow, out.state, { type: 'choice', choiceId: 'x' }, ctx)).toEqual({ actions: [], state: out.state });
    expect(step(flow, out.state, { type: 'text', text: 'STOP' }, ctx)).toEqual({ actions: [{ type: 'opt-out' }], state: out.state });
  });

  it('ignores a result nobody waits for', () => {
    const waiting = startFlow(flow, ctx);
    expect(step(flow, waiting.state, { type: 'http-result', ok: true, json: 1 }, ctx)).toEqual({ actions: [], state: waiting.state });
    const ended = feed(asked('x'), [{ type: 'http-result', ok: false, error: 'timeout' }], ctx);
    expect(step(flow, ended.state, { type: 'http-result', ok: true, json: 1 }, ctx)).toEqual({ actions: [], state: ended.state });
  });

  it('sends the request again when resumed at its node without one out', () => {
    const out = asked('cats');
    const { awaiting: _gone, ...lost } = out.state;
    const resent = step(flow, lost, { type: 'text', text: 'hello?' }, ctx);
    expect(resent.actions).toEqual(out.actions);
    expect(resent.state).toEqual(out.state);
  });
});
