import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Agent, Colleague, PresenceEvent, Team } from './types';

/** Read again this often: a console that simply stopped beating sends no event, it just turns offline. */
const refreshEveryMs = 60_000;

const presenceText = { online: 'Online', away: 'Away', offline: 'Offline' } as const;

/**
 * Who is there: every colleague's presence and load (open / capacity) and teams. Admins set a
 * colleague's capacity and teams here. `heard` is the latest presence event from the socket.
 */
export function Colleagues({ me, heard }: { me: Agent; heard?: PresenceEvent | undefined }) {
  const [agents, setAgents] = useState<Colleague[]>([]);
  const [teams, setTeams] = useState<Team[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [editing, setEditing] = useState<string | undefined>();
  const admin = me.role !== 'agent';

  const load = () =>
    api.agents().then(
      (r) => {
        setAgents(r.agents);
        setTeams(r.teams);
        setError(undefined);
      },
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'The hub cannot be reached.'),
    );
  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), refreshEveryMs);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    if (heard) setAgents((list) => list.map((a) => (a.id === heard.agent ? { ...a, presence: heard.presence } : a)));
  }, [heard]);

  return (
    <section class="colleagues" aria-label="Colleagues">
      <h2>Colleagues</h2>
      {error ? <p class="error">{error}</p> : null}
      <ul>
        {agents.map((a) => (
          <li key={a.id} class={`colleague presence-${a.presence}`} data-agent={a.id}>
            <span class="dot" aria-hidden="true" />
            <span class="name">{a.displayName}</span>
            <span class="muted state">{presenceText[a.presence]}</span>
            <span class="muted load" title="open conversations / capacity">
              {a.open}/{a.capacity}
            </span>
            {a.teams.length ? <span class="muted teams">{a.teams.join(', ')}</span> : null}
            {admin ? (
              <button type="button" class="link" onClick={() => setEditing(editing === a.id ? undefined : a.id)}>
                {editing === a.id ? 'Done' : 'Edit'}
              </button>
            ) : null}
            {admin && editing === a.id ? (
              <RoutingForm agent={a} teams={teams} saved={(c) => setAgents((list) => list.map((x) => (x.id === c.id ? c : x)))} />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** An admin setting a colleague's teams and capacity (empty capacity: the workspace's default). */
function RoutingForm({ agent, teams, saved }: { agent: Colleague; teams: Team[]; saved: (c: Colleague) => void }) {
  const [capacity, setCapacity] = useState(agent.ownCapacity ? String(agent.capacity) : '');
  const [chosen, setChosen] = useState(new Set(agent.teams));
  const [error, setError] = useState<string | undefined>();
  const submit = (e: Event) => {
    e.preventDefault();
    const value = capacity.trim() === '' ? null : Number(capacity);
    api.routing(agent.id, { teams: [...chosen], capacity: value }).then(
      (c) => {
        setError(undefined);
        saved(c);
      },
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'Not saved.'),
    );
  };
  return (
    <form class="routing" onSubmit={submit}>
      <label>
        Capacity
        <input type="number" min={1} max={100} placeholder="default" value={capacity} onInput={(e) => setCapacity((e.target as HTMLInputElement).value)} />
      </label>
      {teams.map((t) => (
        <label key={t.id} class="team">
          <input
            type="checkbox"
            checked={chosen.has(t.id)}
            onChange={(e) => {
              const next = new Set(chosen);
              if ((e.target as HTMLInputElement).checked) next.add(t.id);
              else next.delete(t.id);
              setChosen(next);
            }}
          />
          {t.name}
        </label>
      ))}
      <button type="submit">Save</button>
      {error ? <p class="error">{error}</p> : null}
    </form>
  );
}
