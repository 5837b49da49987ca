import type { PageContext } from "./layout";
import { explainRefusal } from "./refusals";

/** A refusal of the service: its code, and its (English) words. */
export interface Refusal {
  code: string;
  message: string;
}

/**
 * A refusal as the reader reads it, wherever it is shown (an error page, above a form that came back): the service's
 * messages are English, so a Chinese page explains the code in Chinese and gives the service's words after it.
 */
export function RefusalNotice({ ctx, code, message }: { ctx: PageContext } & Refusal) {
  const explained = explainRefusal(ctx.language, code);
  return (
    <>
      <p class="error" role="alert">
        {explained ?? message}
      </p>
      {explained && explained !== message ? (
        <p class="small refusal-detail">
          {ctx.m.refusalDetail}: <span lang="en">{message}</span>
        </p>
      ) : null}
    </>
  );
}
