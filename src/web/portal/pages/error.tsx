import type { ErrorCode } from "../../../core/errors";
import { Layout, type PageContext } from "../layout";
import { explainRefusal } from "../refusals";

/**
 * A refusal inside the portal (a forbidden role, a missing row, a bad form), as a page in the reader's language. The
 * service's messages are English: a Chinese page explains the code in Chinese and gives the service's words after it.
 */
export function ErrorPage({ ctx, status, code, message }: { ctx: PageContext; status: number; code: ErrorCode; message: string }) {
  const { m } = ctx;
  const title = status === 403 || status === 401 ? m.errorForbidden : status === 404 ? m.errorNotFound : status >= 500 || status === 429 ? m.errorLater : m.errorRefused;
  const explained = explainRefusal(ctx.language, code);
  return (
    <Layout ctx={ctx} title={title}>
      <p class="error" role="alert">
        {explained ?? message}
      </p>
      {explained && explained !== message ? (
        <p class="small">
          {m.refusalDetail}: <span lang="en">{message}</span>
        </p>
      ) : null}
      <p>
        <a href="/">{m.backHome}</a>
      </p>
    </Layout>
  );
}
