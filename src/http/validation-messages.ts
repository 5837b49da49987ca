/**
 * A validation issue in our words. zod's own messages ("Invalid option: expected one of \"filed\"|\"received\"",
 * "Too big: expected string to have <=200 characters") are library text, which never reaches a client; the
 * messages our schemas set themselves (refinements, `{ error }`) are kept as they are.
 */
export interface Issue {
  code: string;
  message: string;
  input?: unknown;
  values?: readonly unknown[];
  expected?: string;
  origin?: string;
  maximum?: number | bigint;
  minimum?: number | bigint;
  format?: string;
}

/** zod's default messages all start so; ours never do. */
const LIBRARY_TEXT = /^(Invalid|Too (big|small)|Expected|Unrecognized)\b/;

const KINDS: Record<string, string> = { string: "text", number: "a number", int: "a whole number", boolean: "true or false", array: "a list", object: "an object" };

export function issueMessage(issue: Issue): string {
  if (!LIBRARY_TEXT.test(issue.message)) return issue.message;
  const unit = issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : "";
  switch (issue.code) {
    case "invalid_value":
      return `must be one of ${(issue.values ?? []).map(String).join(", ")}`;
    case "invalid_type":
      return issue.input === undefined ? "is required" : `must be ${KINDS[issue.expected ?? ""] ?? issue.expected}`;
    case "too_big":
      return `must be at most ${issue.maximum}${unit}`;
    case "too_small":
      return issue.origin === "string" && Number(issue.minimum) === 1 ? "must not be empty" : `must be at least ${issue.minimum}${unit}`;
    case "invalid_format":
      return `must be a valid ${issue.format ?? "value"}`;
    case "unrecognized_keys":
      return "has fields this route does not take";
    default:
      return "is not valid";
  }
}
