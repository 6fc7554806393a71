import { describe, expect, it } from 'vitest'
import { answerAddresses } from './verify.js'

describe('answerAddresses', () => {
  it('takes the A records of dig +noall +answer, sorted, and ignores other lines', () => {
    const output = [
      'svc.example.test.\t30\tIN\tA\t127.0.0.13',
      'svc.example.test.\t30\tIN\tA\t127.0.0.11',
      'svc.example.test.\t30\tIN\tAAAA\t::1',
      ';; Query time: 0 msec',
      '',
    ].join('\n')
    expect(answerAddresses(output)).toEqual(['127.0.0.11', '127.0.0.13'])
  })
})
