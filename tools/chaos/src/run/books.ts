import type { TopupBooks } from '../report/index.js'

/**
 * The top-up books of the demo endpoints: read before each kill (a restart starts with empty books) and
 * at the end. An endpoint that cannot be read in time (hung, frozen) is listed as unread.
 */
export class Books {
  readonly read: TopupBooks[] = []
  readonly unread: string[] = []

  /** Endpoints without books (the CMS: its control API has no `topups`) answer non-200 and are skipped. */
  async take(endpoint: string, address: string, port: number): Promise<void> {
    try {
      const response = await fetch(`http://${address}:${port}/__nines/topups`, {
        signal: AbortSignal.timeout(1_000),
      })
      if (response.status !== 200) {
        await response.arrayBuffer()
        return
      }
      const body = (await response.json()) as { applied?: number; byRequest?: Record<string, number> }
      this.read.push({ endpoint, applied: body.applied ?? 0, byRequest: body.byRequest ?? {} })
    } catch {
      this.unread.push(endpoint)
    }
  }
}
