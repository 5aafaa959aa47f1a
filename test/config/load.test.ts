import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import { loadConfig, parseConfig } from '../../core/config/load.js';
import { ConfigError, type ConfigIssue } from '../../core/errors.js';

const channelSchemas = builtinRegistry().schemas();

function issuesOf(yaml: string, env: NodeJS.ProcessEnv = {}): ConfigIssue[] {
  try {
    parseConfig(yaml, 'switchboard.yaml', { channelSchemas, env });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

const valid = `
workspaces:
  - id: shop
    name: Shop
    channels:
      api:
        - account: shop-app
          secret: \${SHOP_SECRET}
          webhookUrl: http://127.0.0.1:4000/replies
`;

describe('config loading', () => {
  it('loads the demo config with its defaults', () => {
    const config = loadConfig('config/switchboard.yaml', { channelSchemas, env: {} });
    expect(config.server.port).toBe(3000);
    expect(config.workspaces.map((w) => w.id)).toEqual(['demo']);
    expect(config.workspaces[0]!.channels.api).toEqual([
      expect.objectContaining({ account: 'shop-app', secret: 'demo-secret-change-me', webhookUrl: 'http://127.0.0.1:3001/replies', timeoutMs: 10_000 }),
    ]);
  });

  it('still loads a config written for sharded queues, and handles conversations 64 at a time unless told', () => {
    const config = parseConfig(`pipeline:\n  shards: 16\n${valid}`, 'switchboard.yaml', { channelSchemas, env: { SHOP_SECRET: 'a-secret-of-sixteen-chars' } });
    expect(config.pipeline).toMatchObject({ shards: 16, concurrency: 64 });
  });

  it('takes secrets and numbers from the environment', () => {
    const config = parseConfig(`server:\n  port: \${PORT:-3000}\n${valid}`, 'switchboard.yaml', {
      channelSchemas,
      env: { SHOP_SECRET: 's'.repeat(20), PORT: '8080' },
    });
    expect(config.server.port).toBe(8080);
    expect(config.workspaces[0]!.channels.api![0]).toMatchObject({ secret: 's'.repeat(20) });
  });

  it('points at an unset environment variable', () => {
    expect(issuesOf(valid)).toEqual([
      {
        file: 'switchboard.yaml',
        line: 8,
        col: 19,
        path: '',
        message: 'environment variable SHOP_SECRET is not set (use ${SHOP_SECRET:-default} for a default)',
      },
    ]);
  });

  it('reports every problem in one run, each at its file:line:col with the key and what was expected', () => {
    const yaml = `server:
  prot: 3000
  port: high
workspaces:
  - id: Shop!
    channels:
      api:
        - account: shop-app
          secret: short
          webhookUrl: ftp://example.com
`;
    const issues = issuesOf(yaml);
    const lines = issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    expect(lines).toEqual([
      '2:3 server.prot: unknown key "prot"',
      '3:9 server.port: expected a port number',
      '5:5 workspaces.0.name: missing (expected string)',
      expect.stringMatching(/^5:9 workspaces\.0\.id: expected a lowercase id/),
    ]);
    // Channel accounts are checked once the workspace itself is valid.
    const fixed = yaml.replace('  prot: 3000\n  port: high', '  port: 3000').replace('Shop!', 'shop').replace('    channels:', '    name: Shop\n    channels:');
    expect(issuesOf(fixed).map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`)).toEqual([
      '9:19 workspaces.0.channels.api.0.secret: expected a secret of at least 16 characters',
      '10:23 workspaces.0.channels.api.0.webhookUrl: expected an http(s) URL',
    ]);
  });

  it('refuses an account id used by two workspaces, since webhook URLs carry no workspace', () => {
    const two = `
workspaces:
  - id: a
    name: A
    channels:
      api: [{ account: shared, secret: aaaaaaaaaaaaaaaaaaaa, webhookUrl: "http://127.0.0.1:1/a" }]
  - id: b
    name: B
    channels:
      api: [{ account: shared, secret: bbbbbbbbbbbbbbbbbbbb, webhookUrl: "http://127.0.0.1:1/b" }]
`;
    const [issue] = issuesOf(two);
    expect(issue).toMatchObject({ line: 10, path: 'workspaces.1.channels.api.0.account' });
    expect(issue!.message).toMatch(/already declared in workspace "a"/);
  });

  it('points at a team declared twice and at an assignment mode it does not know', () => {
    const yaml = `workspaces:
  - id: a
    name: A
    teams:
      - { id: support, assignment: auto }
      - { id: sales, assignment: round-robin }
      - { id: support }
`;
    const lines = (text: string) => issuesOf(text).map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    expect(lines(yaml)).toEqual(['6:34 workspaces.0.teams.1.assignment: expected "auto" or "manual"']);
    expect(lines(yaml.replace('round-robin', 'manual'))).toEqual(['7:15 workspaces.0.teams.2.id: team "support" is declared twice']);
  });

  it('names the channels it knows when given an unknown one', () => {
    const [issue] = issuesOf(`workspaces:\n  - id: a\n    name: A\n    channels:\n      telegrm: []\n`);
    expect(issue).toMatchObject({ line: 5, col: 7, path: 'workspaces.0.channels.telegrm' });
    expect(issue!.message).toContain('expected one of: api');
  });

  it('points at YAML syntax errors and duplicate keys', () => {
    expect(issuesOf('workspaces:\n  - id: a\n   name: [unclosed\n')[0]).toMatchObject({ file: 'switchboard.yaml', line: 3 });
    expect(issuesOf('workspaces: []\nworkspaces: []\n')[0]).toMatchObject({ line: 2, col: 1, message: expect.stringMatching(/unique/) });
  });

  it('tells a value of the wrong type from a missing one', () => {
    expect(issuesOf('workspaces:\n  - id: a\n    name: 123\n')[0]).toMatchObject({
      line: 3,
      col: 11,
      path: 'workspaces.0.name',
      message: 'expected string, got number',
    });
  });

  it('points at a redaction pattern that does not compile, or that matches an empty text', () => {
    const yaml = (pattern: string) => `${valid}    privacy:\n      redaction:\n        patterns:\n          - name: iban\n            pattern: '${pattern}'\n`;
    const env = { SHOP_SECRET: 'shop-secret-0123456789' };
    expect(issuesOf(yaml('CZ\\d{2}('), env)[0]).toMatchObject({
      line: 14,
      path: 'workspaces.0.privacy.redaction.patterns.0.pattern',
      message: expect.stringMatching(/^expected a regular expression: .*Unterminated group/),
    });
    expect(issuesOf(yaml('\\d*'), env)[0]).toMatchObject({ line: 14, message: expect.stringMatching(/matches an empty text/) });
  });

  it("gives the widget's visitor token 6 months unless told, and points at a lifetime that is not a duration", () => {
    const widget = (lifetime?: string) =>
      `workspaces:\n  - id: a\n    name: A\n    channels:\n      widget:\n        - account: shop\n          secret: a-secret-of-sixteen-chars\n          allowedOrigins: [https://shop.example]\n${lifetime ? `          visitorTokenLifetime: ${lifetime}\n` : ''}`;
    const config = parseConfig(widget(), 'switchboard.yaml', { channelSchemas, env: {} });
    expect(config.workspaces[0]!.channels.widget![0]).toMatchObject({ visitorTokenLifetime: '6mo' });
    expect(parseConfig(widget('30d'), 'switchboard.yaml', { channelSchemas, env: {} }).workspaces[0]!.channels.widget![0]).toMatchObject({
      visitorTokenLifetime: '30d',
    });
    for (const bad of ['6 months', '0mo', '"180"']) {
      expect(issuesOf(widget(bad))).toEqual([
        {
          file: 'switchboard.yaml',
          line: 9,
          col: 33,
          path: 'workspaces.0.channels.widget.0.visitorTokenLifetime',
          message: 'expected a duration such as 6mo, 90d or 1y (units h, d, w, mo, y; not 0)',
        },
      ]);
    }
  });

  it('requires at least one workspace', () => {
    expect(issuesOf('workspaces: []\n')[0]).toMatchObject({ line: 1, col: 13, path: 'workspaces', message: 'expected at least one workspace' });
  });
});
