import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import { parseConfig } from '../../core/config/load.js';
import { ConfigError, type ConfigIssue } from '../../core/errors.js';

const options = builtinRegistry().loadOptions();
const secret = 'an-app-secret-of-16+';

function issuesOf(yaml: string): ConfigIssue[] {
  try {
    parseConfig(yaml, 'switchboard.yaml', { ...options, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

const messenger = (account: string, pageId: string) => `
        - account: ${account}
          pageId: "${pageId}"
          pageAccessToken: a-page-access-token
          appSecret: ${secret}
          verifyToken: verify-me-please`;

const cloud = (account: string, phoneNumberId: string) => `
        - account: ${account}
          transport: cloud
          phoneNumberId: "${phoneNumberId}"
          accessToken: an-access-token-1234
          appSecret: ${secret}
          verifyToken: verify-me-please`;

const telegram = (account: string, token: string) => `
        - account: ${account}
          mode: polling
          token: "${token}"`;

const twoWorkspaces = (channel: string, first: string, second: string) => `
workspaces:
  - id: shop
    name: Shop
    channels:
      ${channel}:${first}
  - id: blog
    name: Blog
    channels:
      ${channel}:${second}
`;

describe('accounts that webhooks could not tell apart', () => {
  it('refuses a Messenger Page id used by two accounts in different workspaces, at the second one, naming both', () => {
    const yaml = twoWorkspaces('messenger', messenger('shop-page', '1001'), messenger('blog-page', '1001'));
    expect(issuesOf(yaml)).toEqual([
      {
        file: 'switchboard.yaml',
        line: 17,
        col: 19,
        path: 'workspaces.1.channels.messenger.0.pageId',
        message:
          'messenger pageId 1001 of account "blog-page" (workspace "blog") is already used by account "shop-page" (workspace "shop", switchboard.yaml:8:19); ' +
          'webhook events are routed to one account by it, so one of the two would receive the other’s messages',
      },
    ]);
  });

  it('refuses a WhatsApp Cloud phone number id used twice in one workspace', () => {
    const yaml = `
workspaces:
  - id: shop
    name: Shop
    channels:
      whatsapp:${cloud('wa-one', '2002')}${cloud('wa-two', '2002')}
`;
    const issues = issuesOf(yaml);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 15, col: 26, path: 'workspaces.0.channels.whatsapp.1.phoneNumberId' });
    expect(issues[0]!.message).toContain(
      'whatsapp phoneNumberId 2002 of account "wa-two" (workspace "shop") is already used by account "wa-one" (workspace "shop", switchboard.yaml:9:26)',
    );
  });

  it('refuses one Telegram bot in two accounts without showing its token', () => {
    const yaml = twoWorkspaces('telegram', telegram('shop-bot', '123456:AAAAAAAAAAAAAAAAAAAAAAAAA'), telegram('blog-bot', '123456:BBBBBBBBBBBBBBBBBBBBBBBBB'));
    const issues = issuesOf(yaml);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'workspaces.1.channels.telegram.0.token', line: 16 });
    expect(issues[0]!.message).toContain('telegram bot 123456 of account "blog-bot" (workspace "blog") is already used by account "shop-bot"');
    expect(issues[0]!.message).not.toMatch(/AAAA|BBBB/);
  });

  it('accepts distinct ids, and the same id on different channels', () => {
    const yaml = `
workspaces:
  - id: shop
    name: Shop
    channels:
      messenger:${messenger('shop-page', '1001')}${messenger('other-page', '1002')}
      whatsapp:${cloud('wa-one', '1001')}
`;
    expect(() => parseConfig(yaml, 'switchboard.yaml', { ...options, env: {} })).not.toThrow();
  });
});
