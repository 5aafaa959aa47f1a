import { flowFiles, loadFlows } from './flows/load.js';
import { parseTranscript, runTranscript } from './flows/transcript.js';
const flows = loadFlows(flowFiles(['config/flows']));
const text = `flow: shop
tests:
  - name: wrong text
    steps:
      - bot: { text: "Hello", choices: [hours] }
      - user: "3"
      - bot: "What is your name?"
  - name: leftover
    steps:
      - choice: hours
  - name: missing reply
    steps:
      - bot: { matches: "^Hi" }
      - bot: "more?"
  - name: http none
    steps:
      - bot: { matches: "^Hi" }
      - choice: hourz
      - bot: "x"
      - http: { ok: true }
  - name: lead/vars/status/handoff
    steps:
      - bot: { matches: "^Hi" }
      - lead: { form: callback }
      - handoff: true
      - vars: { name: Ada, x: null }
      - status: ended
      - user: "agent"
      - handoff: sales
  - name: end leftover
    steps:
      - bot: { matches: "^Hi" }
      - user: "1"
`;
const r = parseTranscript(text, 'neg.test.yaml');
console.log(r.issues);
for (const res of runTranscript(r.transcript!, flows)) { console.log(res.passed ? '✓' : '✗', res.name); for (const f of res.failures) console.log(`  ${res.file}:${f.line}:${f.col}: ${f.message}`); }
const bad = `flow: shop
tests:
  - name: a
    steps:
      - bot: { text: a, matches: b }
      - botz: x
      - bot: x
        user: y
      - http: { ok: false }
      - lead: { consent: maybe, extra: 1 }
      - handoff: false
      - status: done
      - bot: { matches: "(" }
      - user: 
  - name: a
    steps: []
`;
console.log(parseTranscript(bad, 'bad.test.yaml').issues.map(i => `${i.line}:${i.col} ${i.path}: ${i.message}`));
console.log(parseTranscript('flow: shop\ntests:\n  - name: "x\n', 'm.test.yaml').issues);
console.log(parseTranscript('flow: shop\n', 'm.test.yaml').issues);
