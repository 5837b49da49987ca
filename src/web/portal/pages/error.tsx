import type { ErrorCode } from "../../../core/errors";
import { Layout, type PageContext } from "../layout";
import { RefusalNotice } from "../refusal-notice";

/** A refusal inside the portal (a forbidden role, a missing row, an unknown page), as a page in the reader's language. */
export function ErrorPage({ ctx, status, code, message }: { ctx: PageContext; status: number; code: ErrorCode; message: string }) {
  const { m } = ctx;
  const title = status === 403 || status === 401 ? m.errorForbidden : status === 404 ? m.errorNotFound : status >= 500 || status === 429 ? m.errorLater : m.errorRefused;
  return (
    <Layout ctx={ctx} title={title}>
      <RefusalNotice ctx={ctx} code={code} message={message} />
      <p>
        <a href="/">{m.backHome}</a>
      </p>
    </Layout>
  );
}
