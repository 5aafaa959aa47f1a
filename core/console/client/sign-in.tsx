import { useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Agent } from './types';

/** E-mail and password; the hub answers with the session cookie (httpOnly: the page never sees it). */
export function SignIn({ signedIn }: { signedIn: (agent: Agent) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      signedIn((await api.signIn(email, password)).agent);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The hub cannot be reached.');
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="sign-in-card" onSubmit={submit}>
        <h1>Switchboard</h1>
        <p class="muted">Sign in to answer your customers.</p>
        <label>
          E-mail
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
