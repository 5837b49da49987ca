import { Layout, type PageContext } from "../layout";

export function SignInPage({ ctx, failed }: { ctx: PageContext; failed?: boolean }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.signIn}>
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
