import { describe, expect, it } from 'vitest'
import { tlsCertificatesSchema } from './schema.js'

const pair = (serverNames?: string[]) => ({
  certFile: 'a.pem',
  keyFile: 'a.key',
  ...(serverNames ? { serverNames } : {}),
})

function firstIssue(input: unknown): string {
  const result = tlsCertificatesSchema.safeParse(input)
  if (result.success) return 'ok'
  const issue = result.error.issues[0]!
  return `${issue.path.join('.')}: ${issue.message}`
}

describe('tlsCertificatesSchema', () => {
  it('lowercases names and drops a trailing dot; no serverNames is the default', () => {
    const parsed = tlsCertificatesSchema.parse([pair(), pair(['App.Nines.Test.', '*.api.nines.test'])])
    expect(parsed[0]!.serverNames).toEqual([])
    expect(parsed[1]!.serverNames).toEqual(['app.nines.test', '*.api.nines.test'])
  })

  it.each([
    [[], ': expected at least one certificate'],
    [
      [pair(), pair()],
      '1.serverNames: expected serverNames: certificates[0] is already the default certificate',
    ],
    [
      [pair(['a.test']), pair(['a.test'])],
      '1.serverNames.0: a.test is also served by certificates[0].serverNames[0]',
    ],
    [
      [pair(['*'])],
      '0.serverNames.0: expected a name or a *. wildcard; a certificate without serverNames is the default',
    ],
    [
      [pair(['bad_name'])],
      '0.serverNames.0: expected a host name such as app.nines.test or a wildcard such as *.nines.test, got "bad_name"',
    ],
    [[{ certFile: '', keyFile: 'k' }], '0.certFile: expected a file path'],
  ])('refuses %j', (input, message) => {
    expect(firstIssue(input)).toBe(message)
  })
})
