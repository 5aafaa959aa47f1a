import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api';
import type { AgentName, TransferTarget } from './types';

export interface ActionHandlers {
  take(): Promise<unknown>;
  handBack(mode: 'resume' | 'restart'): Promise<unknown>;
  transfer(to: TransferTarget): Promise<unknown>;
  close(): Promise<unknown>;
  reopen(): Promise<unknown>;
}

export interface Can {
  take: boolean;
  handBack: boolean;
  transfer: boolean;
  close: boolean;
  reopen: boolean;
}

/** A menu under its button: open or not, closing on a click outside its holder (the button and the menu) or Escape. */
function useMenu() {
  const [open, setOpen] = useState(false);
  const holder = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: Event) => {
      if (e.type === 'keydown' ? (e as KeyboardEvent).key === 'Escape' : !holder.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);
  return { open, setOpen, holder };
}

/** Team ids as the server takes them (core/http/api/routes.ts). */
const teamId = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The transfer menu's content: the colleagues (read when it opens) and a team id. */
function TransferMenu({ exclude, pick }: { exclude: string[]; pick: (to: TransferTarget) => void }) {
  const [agents, setAgents] = useState<AgentName[] | undefined>();
  const [failed, setFailed] = useState(false);
  const [team, setTeam] = useState('');
  useEffect(() => {
    let current = true;
    api.agents().then(
      (r) => current && setAgents(r.agents.filter((a) => !exclude.includes(a.id)).sort((a, b) => a.displayName.localeCompare(b.displayName))),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, []);
  const id = team.trim().toLowerCase();
  return (
    <span class="menu menu-transfer" role="dialog" aria-label="Transfer">
      <span class="menu-label">To an agent</span>
      {failed ? (
        <span class="menu-note error">The agents could not be read.</span>
      ) : !agents ? (
        <span class="menu-note muted">Loading…</span>
      ) : agents.length === 0 ? (
        <span class="menu-note muted">No other agents.</span>
      ) : (
        <span class="menu-items" role="menu" aria-label="Agents">
          {agents.map((a) => (
            <button type="button" role="menuitem" key={a.id} onClick={() => pick({ agent: a.id })}>
              {a.displayName}
            </button>
          ))}
        </span>
      )}
      <form
        class="menu-team"
        onSubmit={(e) => {
          e.preventDefault();
          if (teamId.test(id)) pick({ team: id });
        }}
      >
        <label>
          <span class="menu-label">To a team's queue</span>
          <input
            type="text"
            name="team"
            placeholder="Team id"
            autoComplete="off"
            spellcheck={false}
            value={team}
            onInput={(e) => setTeam(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={!teamId.test(id)}>
          Transfer to team
        </button>
      </form>
    </span>
  );
}

/**
 * A button that opens a menu below it (closed by a pick, a click elsewhere or Escape); `content`
 * gets the function that closes it.
 */
function MenuButton(props: { label: string; enabled: boolean; popup: 'menu' | 'dialog'; content: (close: () => void) => ComponentChildren }) {
  const menu = useMenu();
  return (
    <span class="menu-holder" ref={menu.holder}>
      <button type="button" disabled={!props.enabled} aria-haspopup={props.popup} aria-expanded={menu.open} onClick={() => menu.setOpen(!menu.open)}>
        {props.label}
      </button>
      {menu.open && props.enabled ? props.content(() => menu.setOpen(false)) : null}
    </span>
  );
}

/** Take, hand back (resume or restart), transfer, close, reopen: each enabled only when the conversation's status and owner allow it. */
export function Actions({ can, run, exclude }: { can: Can; run: ActionHandlers; exclude: string[] }) {
  return (
    <div class="actions">
      <button type="button" class="primary" disabled={!can.take} onClick={() => void run.take()}>
        Take
      </button>
      <MenuButton
        label="Hand back to bot"
        enabled={can.handBack}
        popup="menu"
        content={(close) => (
          <span class="menu" role="menu">
            {(
              [
                ['resume', 'Resume where it handed off'],
                ['restart', 'Restart the flow'],
              ] as const
            ).map(([mode, label]) => (
              <button
                key={mode}
                type="button"
                role="menuitem"
                onClick={() => {
                  close();
                  void run.handBack(mode);
                }}
              >
                {label}
              </button>
            ))}
          </span>
        )}
      />
      <MenuButton
        label="Transfer"
        enabled={can.transfer}
        popup="dialog"
        content={(close) => (
          <TransferMenu
            exclude={exclude}
            pick={(to) => {
              close();
              void run.transfer(to);
            }}
          />
        )}
      />
      <button type="button" disabled={!can.close} onClick={() => void run.close()}>
        Close
      </button>
      <button type="button" disabled={!can.reopen} onClick={() => void run.reopen()}>
        Reopen
      </button>
    </div>
  );
}
