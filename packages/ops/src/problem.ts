import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** The body of every admin API error. `code` is stable and safe to match on; `message` is for people. */
export interface ProblemBody {
  error: { code: string; message: string }
}

/** Responds with a JSON error, `{ error: { code, message } }`; daemons use it in the routes they add. */
export function problem(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  const body: ProblemBody = { error: { code, message } }
  return c.json(body, status)
}
