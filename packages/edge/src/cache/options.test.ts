import { describe, expect, it } from 'vitest'
import { edgeCacheSchema, routeCacheSchema } from './options.js'

describe('routeCacheSchema', () => {
  it('defaults: on, 300 s stale-if-error, no stale-while-revalidate, no Authorization, collapsed misses', () => {
    expect(routeCacheSchema.parse(undefined)).toEqual({
      enabled: true,
      staleIfErrorS: 300,
      staleWhileRevalidateS: 0,
      allowAuthorization: false,
      collapse: true,
    })
  })

  it.each([
    [{ staleIfErrorS: -1 }, 'staleIfErrorS'],
    [{ staleWhileRevalidateS: 1.5 }, 'staleWhileRevalidateS'],
    [{ collapse: 'yes' }, 'collapse'],
    [{ ttl: 5 }, ''],
  ])('refuses %j', (input, path) => {
    const result = routeCacheSchema.safeParse(input)
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path.join('.')).toBe(path)
  })
})

describe('edgeCacheSchema', () => {
  it('defaults: 64 MiB in all, 1 MiB per entry', () => {
    expect(edgeCacheSchema.parse(undefined)).toEqual({ maxBytes: 67_108_864, maxEntryBytes: 1_048_576 })
  })

  it('maxBytes 0 turns the cache off, whatever maxEntryBytes says', () => {
    expect(edgeCacheSchema.parse({ maxBytes: 0 }).maxBytes).toBe(0)
  })

  it('refuses an entry bound above the whole bound, naming both', () => {
    const result = edgeCacheSchema.safeParse({ maxBytes: 1000, maxEntryBytes: 2000 })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual(['maxEntryBytes'])
    expect(result.error?.issues[0]?.message).toBe('expected at most maxBytes (1000), got 2000')
  })
})
