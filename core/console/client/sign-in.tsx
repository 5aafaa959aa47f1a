import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Agent } from './types';

/**
 * E-mail and password; the hub answers with the session cookie (httpOnly: the page never sees it).
 * When the password is right and the agent has a second factor, the hub asks for the code from
 * their authenticator app (`code_required`), and the form sends it with the e-mail and password.
 */
export function SignIn({ signedIn }: { signedIn: (agent: Agent) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const codeField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (needsCode) codeField.current?.focus();
  }, [needsCode]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      signedIn((await api.signIn(email, password, needsCode ? code.trim() : undefined)).agent);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'code_required') setNeedsCode(true);
      else setError(err instanceof ApiError ? err.message : 'The hub cannot be reached.');
      // A wrong code is not tried again as it was.
      if (needsCode) setCode('');
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
        {needsCode ? (
          <>
            <label>
              Code from your authenticator app
              <input
                ref={codeField}
                type="text"
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                required
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
              />
            </label>
            {error ? null : <p class="muted">Your account has a second factor: enter the 6-digit code your app shows now.</p>}
          </>
        ) : null}
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
