/** Signs an agent in as the console page does (same origin); resolves to their session cookie (`name=value`). `workspace` when the hub has several. */
export async function signInAgent(hubUrl: string, email: string, password: string, workspace?: string): Promise<string> {
  const res = await fetch(`${hubUrl}/console/api/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: hubUrl },
    body: JSON.stringify({ email, password, ...(workspace ? { workspace } : {}) }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${email} answered ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}
