import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { builtinRegistry } from '../adapters/index.js';
import type { Config } from '../core/config/schema.js';
import { dataMap } from '../core/privacy/data-map.js';
import { PrivacyOperations, type SubjectSummary } from '../core/privacy/operations.js';
import { requestKinds, type RequestKind } from '../core/store/privacy-request.js';
import { cliActor } from './actor.js';
import { columns, day } from './table.js';
import { pickWorkspace, withStore } from './with-store.js';

const actor = cliActor;

interface Common {
  config: string;
  workspace?: string;
  yes?: boolean;
}

/** Runs `work` with the privacy operations of the configured store, for the chosen workspace. */
async function withPrivacy<T>(opts: Common, work: (privacy: PrivacyOperations, workspace: string, config: Config) => Promise<T>): Promise<T> {
  return withStore(opts.config, async (config, { redis, queues }) => {
    const registry = builtinRegistry();
    const privacy = new PrivacyOperations({ config, redis, queues, contracts: dataMap(registry), channelModels: registry.collections().models });
    return work(privacy, pickWorkspace(config, opts.workspace), config);
  });
}

function identitiesTable(rows: SubjectSummary[]): string {
  return columns([
    ['identity', 'conversations', 'messages', 'leads', 'consents', 'linked by', ''],
    ...rows.map((r) => [r.identity, String(r.conversations), String(r.messages), String(r.leads), String(r.consents), r.linkedBy, r.flags.join(', ')]),
  ]);
}

/**
 * A command that changes data shows what it will act on, then asks on a terminal; `--yes`
 * confirms in scripts; without a terminal and without `--yes` it refuses, changing nothing.
 */
async function confirmed(privacy: PrivacyOperations, workspace: string, identifier: string, what: string, yes: boolean | undefined): Promise<boolean> {
  const subject = await privacy.find(workspace, identifier, actor());
  console.log(
    `${what} ${subject.identities.length} identit${subject.identities.length === 1 ? 'y' : 'ies'} in workspace "${workspace}":\n${identitiesTable(await privacy.summarise(subject))}`,
  );
  if (yes) return true;
  if (!process.stdin.isTTY) {
    console.error('refusing without a terminal to ask on: add --yes to confirm');
    process.exitCode = 1;
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question('Go ahead? [y/N] ')).trim().toLowerCase();
  rl.close();
  if (answer === 'y' || answer === 'yes') return true;
  console.log('nothing was changed');
  return false;
}

const receiptLines = (receipt: Record<string, number | string>) =>
  Object.entries(receipt).length
    ? Object.entries(receipt)
        .map(([store, n]) => `  ${store}: ${n}`)
        .join('\n')
    : '  nothing was left to remove';

/** `switchboard privacy …` and `switchboard audit`: data-subject requests (GDPR Art. 15–21) and the audit log from a terminal. */
export function registerPrivacyCommands(program: Command, defaultConfig: string): void {
  const privacy = program.command('privacy').description('data-subject requests: find, export, erase, restrict, object, rectify; the request log');
  const command = (name: string, description: string) =>
    privacy
      .command(name)
      .description(description)
      .option('-c, --config <file>', 'config file', defaultConfig)
      .option('-w, --workspace <id>', 'the workspace (default: the only one)');
  const identifierHelp = 'email:…, phone:…, <channel>:<account>:<user id> or visitor:<widget visitor id>';

  command('find <identifier>', `every identity of a person and what each holds (${identifierHelp})`).action(async (identifier: string, opts: Common) =>
    withPrivacy(opts, async (p, ws) => {
      const subject = await p.find(ws, identifier, actor());
      console.log(identitiesTable(await p.summarise(subject)));
    }),
  );
  command('export <identifier>', 'everything held about a person as one JSON document (docs/privacy-export.md)')
    .option('-o, --out <file>', 'write it to this file (default: standard output)')
    .action(async (identifier: string, opts: Common & { out?: string }) =>
      withPrivacy(opts, async (p, ws) => {
        const json = JSON.stringify(await p.export(ws, identifier, actor()), null, 2);
        if (opts.out) {
          writeFileSync(opts.out, `${json}\n`, { mode: 0o600 });
          console.error(`written to ${opts.out} (readable by you only: it holds personal data)`);
        } else console.log(json);
      }),
    );
  command('consents <identifier>', 'the current state of each consent purpose, with its proof').action(async (identifier: string, opts: Common) =>
    withPrivacy(opts, async (p, ws) => {
      for (const { identity, purposes } of await p.consents(ws, identifier, actor())) {
        console.log(`${identity}:`);
        if (!purposes.length) console.log('  no consent events');
        for (const c of purposes) {
          console.log(
            `  ${c.purpose.padEnd(20)} ${c.granted ? 'granted ' : 'withdrawn'}  ${c.at.toISOString()}  via ${c.source}, text ${c.textVersion}${c.messageId ? `, message ${c.messageId}` : ''}`,
          );
        }
      }
    }),
  );

  const changing = (name: string, description: string, verb: string, run: (p: PrivacyOperations, ws: string, identifier: string) => Promise<string>) =>
    command(`${name} <identifier>`, description)
      .option('-y, --yes', 'confirm without asking (scripts)')
      .action(async (identifier: string, opts: Common) =>
        withPrivacy(opts, async (p, ws) => {
          if (await confirmed(p, ws, identifier, verb, opts.yes)) console.log(await run(p, ws, identifier));
        }),
      );
  changing('erase', 'erase a person everywhere (MongoDB, Redis, the CRM told), with a receipt', 'This erases', async (p, ws, id) => {
    const { request, receipt } = await p.erase(ws, id, actor());
    return `erased (request ${request}):\n${receiptLines(receipt)}`;
  });
  changing('restrict', 'restrict processing: stored, not processed (no bot, no CRM, no analytics)', 'This restricts processing of', async (p, ws, id) => {
    const { request, identities } = await p.restrict(ws, id, actor(), true);
    return `restricted ${identities} identit${identities === 1 ? 'y' : 'ies'} (request ${request})`;
  });
  changing('unrestrict', 'lift a restriction; leads held back from the CRM go out', 'This lifts the restriction of', async (p, ws, id) => {
    const { request, identities } = await p.restrict(ws, id, actor(), false);
    return `restriction lifted for ${identities} identit${identities === 1 ? 'y' : 'ies'} (request ${request})`;
  });
  changing('object', 'an objection: marketing and legitimate-interest processing stop', 'This records an objection for', async (p, ws, id) => {
    const { request, leads } = await p.object(ws, id, actor());
    return `objection recorded (request ${request}); marketing consent withdrawn on ${leads} lead(s)`;
  });
  command('rectify <identifier>', 'correct contact fields (name, email, phone, locale) and lead fields (lead.<field>)')
    .requiredOption('--set <field=value...>', 'what to set, e.g. --set name="Ada Lovelace" --set lead.phone=+420601123456')
    .option('-y, --yes', 'confirm without asking (scripts)')
    .action(async (identifier: string, opts: Common & { set: string[] }) =>
      withPrivacy(opts, async (p, ws) => {
        const changes: Record<string, string> = {};
        for (const pair of opts.set) {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new Error(`--set ${pair}: expected field=value`);
          changes[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        if (!(await confirmed(p, ws, identifier, `This sets ${Object.keys(changes).join(', ')} on`, opts.yes))) return;
        const { request, contacts, leads } = await p.rectify(ws, identifier, changes, actor());
        console.log(`rectified ${contacts} contact(s) and ${leads} lead(s) (request ${request})`);
      }),
    );

  command('requests', 'the request log, newest first, with deadlines')
    .option('--overdue', 'only unanswered requests past their deadline')
    .action(async (opts: Common & { overdue?: boolean }) =>
      withPrivacy(opts, async (p, ws) => {
        const rows = await p.requests(ws, { overdue: opts.overdue === true });
        if (!rows.length) return console.log(opts.overdue ? 'no overdue requests' : 'no requests yet');
        console.log(
          columns([
            ['id', 'kind', 'status', 'received', 'due', 'person', 'handled by', ''],
            ...rows.map((r) => [
              r.id,
              r.kind,
              r.status,
              day(r.receivedAt),
              day(r.extendedUntil ?? r.dueAt) + (r.extendedUntil ? ' (extended)' : ''),
              r.subject,
              r.handledBy ?? '-',
              r.overdue ? 'OVERDUE' : '',
            ]),
          ]),
        );
      }),
    );
  command('log <kind> <identifier>', `log a request as received, to handle later (kind: ${requestKinds.join(', ')})`)
    .option('--received <date>', 'when it was received (default: now); the deadline runs from then')
    .action(async (kind: string, identifier: string, opts: Common & { received?: string }) => {
      if (!requestKinds.includes(kind as RequestKind)) throw new Error(`"${kind}": expected one of ${requestKinds.join(', ')}`);
      const received = opts.received ? new Date(opts.received) : undefined;
      if (received && Number.isNaN(received.getTime())) throw new Error(`--received: expected a date such as 2027-03-01, not "${opts.received}"`);
      await withPrivacy(opts, async (p, ws) => console.log(`logged request ${await p.log(ws, kind as RequestKind, identifier, actor(), received)}`));
    });
  command('extend <request-id>', 'extend a request by two months, once, with the reason the person is told (Art. 12(3))')
    .requiredOption('--reason <text>', 'why (the complexity or number of requests)')
    .action(async (id: string, opts: Common & { reason: string }) =>
      withPrivacy(opts, async (p, ws) => console.log(`request ${id} is now due ${day(await p.extend(ws, id, opts.reason, actor()))}`)),
    );
  command('resume', 'finish erasures a crash interrupted (workers also do this when they start)').action(async (opts: Common) =>
    withPrivacy(opts, async (p) => {
      const resumed = await p.resumeErasures(actor());
      console.log(resumed.length ? `finished ${resumed.length} erasure(s): ${resumed.join(', ')}` : 'no interrupted erasures');
    }),
  );

  program
    .command('audit')
    .description('the audit log: privacy actions, retention runs and policy changes, newest first')
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('-w, --workspace <id>', 'the workspace (default: the only one)')
    .option('--since <date>', 'only entries from this date')
    .option('--limit <n>', 'at most this many', '200')
    .action(async (opts: Common & { since?: string; limit: string }) => {
      const since = opts.since ? new Date(opts.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new Error(`--since: expected a date such as 2027-03-01, not "${opts.since}"`);
      await withPrivacy(opts, async (p, ws) => {
        const entries = await p.audit(ws, { ...(since ? { since } : {}), limit: Math.max(1, Number(opts.limit) || 200) });
        if (!entries.length) return console.log('no audit entries');
        console.log(
          columns([
            ['at', 'actor', 'action', 'target', 'details'],
            ...entries.map((e) => [e.at.toISOString(), e.actor, e.action, e.target ?? '-', e.details ? JSON.stringify(e.details) : '']),
          ]),
        );
      });
    });
}
