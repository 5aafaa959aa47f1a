import type { Command } from 'commander';
import { setSecondFactor, addAgent, agentIdOf, disableAgent, listAgents, resetPassword } from '../core/agents/accounts.js';
import { setAgentRouting } from '../core/agents/routing.js';
import { agentRoles, type AgentRole } from '../core/store/agent.js';
import { cliActor } from './actor.js';
import { columns, day } from './table.js';
import { pickWorkspace, withStore } from './with-store.js';

const actor = cliActor;

/** A password piped in (`--password-stdin`), so it never shows in the shell's history or `ps`. */
async function stdinPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

interface Common {
  config: string;
  workspace?: string;
}

/** `switchboard agents add|list|disable|reset-password`: the people who answer chats in the console. */
export function registerAgentCommands(program: Command, defaultConfig: string): void {
  const agents = program.command('agents').description('the agents who sign in to the console');
  const command = (name: string, description: string) =>
    agents
      .command(name)
      .description(description)
      .option('-c, --config <file>', 'config file', defaultConfig)
      .option('-w, --workspace <id>', 'the workspace (default: the only one)');

  command('add <email>', 'add an agent; prints a generated password to hand over once, unless --password-stdin')
    .requiredOption('--name <display name>', 'the name contacts see ("Anna")')
    .option('--role <role>', `one of ${agentRoles.join(', ')}`, 'agent')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (email: string, opts: Common & { name: string; role: string; passwordStdin?: boolean }) => {
      if (!agentRoles.includes(opts.role as AgentRole)) throw new Error(`--role: expected one of ${agentRoles.join(', ')}, not "${opts.role}"`);
      const given = opts.passwordStdin ? await stdinPassword() : undefined;
      await withStore(opts.config, async (config) => {
        const workspace = pickWorkspace(config, opts.workspace);
        const password = await addAgent({
          workspace,
          email,
          displayName: opts.name,
          role: opts.role as AgentRole,
          actor: actor(),
          ...(given ? { password: given } : {}),
        });
        console.log(`added ${email} (${opts.role}) to workspace "${workspace}"${given ? '' : `\npassword: ${password}\n(shown once: hand it over safely)`}`);
      });
    });
  command('list', "the workspace's agents").action(async (opts: Common) =>
    withStore(opts.config, async (config) => {
      const rows = await listAgents(pickWorkspace(config, opts.workspace));
      if (!rows.length) return console.log('no agents yet: add one with `switchboard agents add <email> --name <name>`');
      console.log(
        columns([
          ['email', 'name', 'role', 'teams', 'capacity', 'state', 'second factor', 'last sign-in'],
          ...rows.map((a) => [
            a.email,
            a.displayName,
            a.role,
            a.teams.join(',') || '-',
            a.capacity === undefined ? 'default' : String(a.capacity),
            a.disabled ? 'disabled' : a.lockedUntil ? `locked until ${a.lockedUntil.toISOString()}` : 'active',
            a.secondFactor ? 'code' : '-',
            day(a.lastSignInAt),
          ]),
        ]),
      );
    }),
  );
  command('disable <email>', 'end an agent’s sign-in (their open sessions end at their next request)').action(async (email: string, opts: Common) =>
    withStore(opts.config, async (config) => {
      await disableAgent({ workspace: pickWorkspace(config, opts.workspace), email, actor: actor() });
      console.log(`disabled ${email}`);
    }),
  );
  command('second-factor <email>', 'require a one-time code from an authenticator app at sign-in (prints the otpauth:// URI once); --off removes it')
    .option('--off', 'sign in with the password alone again')
    .action(async (email: string, opts: Common & { off?: boolean }) =>
      withStore(opts.config, async (config) => {
        const enrolled = await setSecondFactor({ workspace: pickWorkspace(config, opts.workspace), email, on: !opts.off, actor: actor() });
        console.log(
          enrolled
            ? `second factor on for ${email}: add this to their authenticator app (QR code or typed), shown once:\n${enrolled.uri}\nsecret: ${enrolled.secret}`
            : `second factor off for ${email}`,
        );
      }),
    );
  command('routing <email>', 'set the teams whose handoffs an agent answers, and how many open conversations they hold at once')
    .option('--teams <ids>', 'comma-separated team ids declared in the config ("" for none)')
    .option('--capacity <n|default>', "most open conversations at once, or `default` for the workspace's routing.capacity")
    .action(async (email: string, opts: Common & { teams?: string; capacity?: string }) => {
      const capacity = opts.capacity === undefined ? undefined : opts.capacity === 'default' ? null : Number(opts.capacity);
      if (typeof capacity === 'number' && !(Number.isInteger(capacity) && capacity >= 1 && capacity <= 100))
        throw new Error(`--capacity: expected a whole number from 1 to 100, or "default", not "${opts.capacity}"`);
      if (opts.teams === undefined && capacity === undefined) throw new Error('give --teams, --capacity or both');
      const teams = opts.teams
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      await withStore(opts.config, async (config) => {
        const workspace = config.workspaces.find((w) => w.id === pickWorkspace(config, opts.workspace))!;
        await setAgentRouting({
          workspace,
          agent: agentIdOf(workspace.id, email),
          ...(teams ? { teams } : {}),
          ...(capacity !== undefined ? { capacity } : {}),
          actor: actor(),
        });
        console.log(`routing of ${email} set`);
      });
    });
  command('reset-password <email>', 'set a new password (generated and printed once, unless --password-stdin) and lift a lockout')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (email: string, opts: Common & { passwordStdin?: boolean }) => {
      const given = opts.passwordStdin ? await stdinPassword() : undefined;
      await withStore(opts.config, async (config) => {
        const password = await resetPassword({
          workspace: pickWorkspace(config, opts.workspace),
          email,
          actor: actor(),
          ...(given ? { password: given } : {}),
        });
        console.log(given ? `password of ${email} changed` : `new password of ${email}: ${password}\n(shown once: hand it over safely)`);
      });
    });
}
