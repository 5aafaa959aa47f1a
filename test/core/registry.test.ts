import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtinRegistry } from '../../adapters/index.js';
import { widgetOwnForms } from '../../adapters/widget/own-form-handlers.js';
import type { ChannelAccount, ChannelAdapter } from '../../core/adapter.js';
import type { Config } from '../../core/config/schema.js';
import { channelAccountSchema } from '../../core/config/schema.js';
import { AdapterRegistry, defineChannel } from '../../core/registry.js';

const capabilities = { maxTextLength: 100, maxChoices: 0, maxChoiceLabelLength: 0, forms: false, typing: false, media: false };
const workspace = (channels: Record<string, Record<string, unknown>[]>) => ({ id: 'shop', channels }) as unknown as Config['workspaces'][number];

describe('the built-in registry', () => {
  const registry = builtinRegistry();

  it('has one definition per channel folder', () => {
    expect(registry.ids()).toEqual(['api', 'botframework', 'messenger', 'telegram', 'whatsapp', 'widget']);
    expect([...registry.schemas().keys()]).toEqual(registry.ids());
    expect(registry.capabilities('widget')).toMatchObject({ forms: true, showsNotice: true });
    expect(registry.capabilities('nope')).toBeUndefined();
  });

  it("gives each channel's CLI commands, with the names and options the CLI always had", () => {
    expect(registry.commands().map((c) => c.channel)).toEqual(['telegram', 'whatsapp']);
    const program = new Command('switchboard');
    const context = {
      defaultConfig: 'config/switchboard.yaml',
      loadConfig: () => ({}) as Config,
      services: async () => ({ mongoUri: '', redisUrl: '', stop: async () => {} }),
    };
    for (const { register } of registry.commands()) register(program, context);
    const shape = (c: Command): unknown => ({ name: c.name(), options: c.options.map((o) => o.flags), commands: c.commands.map(shape) });
    expect(program.commands.map(shape)).toEqual([
      {
        name: 'telegram',
        options: [],
        commands: [
          { name: 'set-webhook', options: ['--url <base>', '-c, --config <file>', '--drop-pending-updates'], commands: [] },
          { name: 'delete-webhook', options: ['-c, --config <file>', '--drop-pending-updates'], commands: [] },
        ],
      },
      { name: 'whatsapp', options: [], commands: [{ name: 'login', options: ['-c, --config <file>', '--timeout <seconds>'], commands: [] }] },
    ]);
  });

  it("lists the collections channels keep, and the widget's own forms", () => {
    const { models, buckets } = registry.collections();
    expect(models.map((m) => m.collection.collectionName)).toEqual(['botframework_references']);
    expect(buckets).toEqual(['whatsapp_sessions']);
    expect(registry.ownForms('widget')).toBe(widgetOwnForms);
    expect(registry.ownForms('telegram')).toBeUndefined();
  });
});

describe('defineChannel and the registry', () => {
  const schema = channelAccountSchema.extend({ greeting: z.string().default('hello') }).strict();
  const built: ChannelAccount<z.infer<typeof schema>>[][] = [];
  const demo = defineChannel({
    id: 'demo',
    accountSchema: schema,
    capabilities,
    create: (accounts) => {
      built.push(accounts);
      return { channel: 'demo', capabilities } as unknown as ChannelAdapter;
    },
  });

  it('hands create the accounts as the schema outputs them, and refuses one that does not match', () => {
    const registry = new AdapterRegistry().register(demo);
    const config = { workspaces: [workspace({ demo: [{ account: 'a' }, { account: 'b', greeting: 'hi' }] })] } as unknown as Config;
    expect([...registry.build(config).keys()]).toEqual(['demo']);
    expect(built[0]!.map((a) => [a.account, a.config.greeting])).toEqual([
      ['a', 'hello'],
      ['b', 'hi'],
    ]);
    const bad = { workspaces: [workspace({ demo: [{ account: 'a', colour: 'red' }] })] } as unknown as Config;
    expect(() => registry.build(bad)).toThrow(/demo account "a" of workspace "shop" does not match the channel's schema/);
  });

  it('refuses a channel registered twice and builds nothing for channels without accounts', () => {
    expect(() => new AdapterRegistry().register(demo).register(demo)).toThrow('channel "demo" is registered twice');
    expect(new AdapterRegistry().register(demo).build({ workspaces: [workspace({})] } as unknown as Config).size).toBe(0);
    expect(() => new AdapterRegistry().build({ workspaces: [workspace({ other: [{ account: 'x' }] })] } as unknown as Config)).toThrow(
      'no adapter is registered for channel "other"',
    );
  });
});
