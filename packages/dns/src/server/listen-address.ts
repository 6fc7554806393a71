import { formatListenAddress, parseListenAddress, type ListenAddress } from '@nines/core'
import { z } from 'zod'

// The syntax is @nines/core's, shared with the edge's listeners.
export { formatListenAddress, parseListenAddress, type ListenAddress }

const HINT = 'expected ip:port or [ipv6]:port, such as 127.0.0.1:5300 or [::1]:5300'

export const listenAddressSchema = z.string().superRefine((value, ctx) => {
  if (parseListenAddress(value) === null) {
    ctx.addIssue({ code: 'custom', input: value, message: `${HINT}, got ${JSON.stringify(value)}` })
  }
})
