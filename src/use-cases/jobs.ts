import type { JobHandler } from "../jobs/runner";
import { WEBHOOK_JOB } from "../webhooks/events";
import type { UseCaseDeps } from "./context";
import { jobLinks } from "./links";
import { abandonWatchUseCase, WATCH_JOB, watchImageUseCase } from "./watch";
import { deliverWebhookEventUseCase } from "./webhook-delivery";

/** The watch jobs' handler: matching is CPU work on this process's index, one job at a time. */
export function watchJobHandler(deps: UseCaseDeps): Record<string, JobHandler> {
  const links = jobLinks(deps.config);
  return {
    [WATCH_JOB]: {
      run: ({ payload }) =>
        watchImageUseCase(deps, { imageId: String(payload.imageId), upload: typeof payload.upload === "boolean" ? payload.upload : undefined }, links),
      onGiveUp: (job) => abandonWatchUseCase(deps, String(job.payload.imageId)),
    },
  };
}

/** The webhook jobs' handler: a receiver that is down is rescheduled by the delivery itself; a throw is our failure. */
export function webhookJobHandler(deps: UseCaseDeps): Record<string, JobHandler> {
  return { [WEBHOOK_JOB]: { run: (job) => deliverWebhookEventUseCase(deps, String(job.payload.eventId)), maxAttempts: 20 } };
}
