import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Figures as FiguresData } from './types';

/** "42 s", "3 min", "2 h": a wait as people say it. */
function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** Conversations per agent as horizontal bars, drawn in SVG (no chart library, no inline styles: the CSP holds). */
function HandledChart({ agents }: { agents: FiguresData['agents'] }) {
  const most = Math.max(1, ...agents.map((a) => a.handled));
  const row = 22;
  const width = 320;
  const label = 110;
  return (
    <svg
      class="chart"
      role="img"
      aria-label="Conversations handled per agent"
      width={width}
      height={agents.length * row + 4}
      viewBox={`0 0 ${width} ${agents.length * row + 4}`}
    >
      {agents.map((a, i) => (
        <g key={a.id} transform={`translate(0 ${i * row})`}>
          <text x={0} y={15} class="chart-label">
            {a.displayName}
          </text>
          <rect x={label} y={4} height={14} width={Math.max(2, ((width - label - 40) * a.handled) / most)} class="chart-bar" rx={2} />
          <text x={label + ((width - label - 40) * a.handled) / most + 6} y={15} class="chart-value">
            {a.handled}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** The handoff figures page (admins): per team the time to a first reply, abandoned handoffs and the queue; per agent what they handled. */
export function FiguresPage() {
  const [figures, setFigures] = useState<FiguresData | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api.figures().then(setFigures, (err: unknown) => setError(err instanceof ApiError ? err.message : 'The hub cannot be reached.'));
  }, []);
  if (error)
    return (
      <section class="pane pane-wide admin-page figures">
        <p class="error">{error}</p>
      </section>
    );
  if (!figures) return <section class="pane pane-wide admin-page figures muted">Loading…</section>;
  return (
    <section class="pane pane-wide admin-page figures" aria-label="Figures">
      <h2>Handoffs, last {figures.windowDays} days</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Team</th>
            <th scope="col">First reply, median</th>
            <th scope="col">95th percentile</th>
            <th scope="col">Answered</th>
            <th scope="col">Abandoned</th>
            <th scope="col">Waiting now</th>
            <th scope="col">Longest wait</th>
          </tr>
        </thead>
        <tbody>
          {figures.teams.map((t) => (
            <tr key={t.team} data-team={t.team}>
              <th scope="row">{t.name}</th>
              <td>{duration(t.firstReply.p50Seconds)}</td>
              <td>{duration(t.firstReply.p95Seconds)}</td>
              <td>{t.firstReply.count}</td>
              <td>{t.abandoned}</td>
              <td>{t.queue.length}</td>
              <td>{duration(t.queue.oldestWaitSeconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Conversations per agent</h2>
      <HandledChart agents={figures.agents} />
    </section>
  );
}
