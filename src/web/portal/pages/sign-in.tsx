import { Layout, type PageContext } from "../layout";

/** `ended`: why the reader is asked to sign in again (they signed out; their key was revoked or the session expired). */
export function SignInPage({ ctx, failed, ended }: { ctx: PageContext; failed?: boolean; ended?: "signed-out" | "session-ended" }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.signIn}>
      {ended ? (
        <p class="notice" role="status" id="session-ended" data-ended={ended}>
          {ended === "signed-out" ? m.signedOut : m.sessionEnded}
        </p>
      ) : null}
      <p>{m.tagline}</p>
      <form method="post" action="/sign-in" class="card narrow">
        <label for="key">{m.apiKey}</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required spellcheck={false} />
        <p class="hint">{m.apiKeyHint}</p>
        {failed ? (
          <p class="error" role="alert">
            {m.badKey}
          </p>
        ) : null}
        <button type="submit">{m.signIn}</button>
      </form>
    </Layout>
  );
}
