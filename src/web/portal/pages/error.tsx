import { Layout, type PageContext } from "../layout";

/** A refusal inside the portal (a forbidden role, a missing row, a bad form), as a page in the reader's language. */
export function ErrorPage({ ctx, status, message }: { ctx: PageContext; status: number; message: string }) {
  const { m } = ctx;
  const title = status === 403 || status === 401 ? m.errorForbidden : status === 404 ? m.errorNotFound : status >= 500 || status === 429 ? m.errorLater : m.errorRefused;
  return (
    <Layout ctx={ctx} title={title}>
      <p class="error" role="alert">
        {message}
      </p>
      <p>
        <a href="/">{m.backHome}</a>
      </p>
    </Layout>
  );
}
