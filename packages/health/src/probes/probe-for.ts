import type { Check } from '../check.js'
import type { Probe } from '../probe.js'
import { dnsProbe } from './dns-probe.js'
import { httpProbe, type HttpProbeOptions } from './http-probe.js'
import { tcpProbe } from './tcp-probe.js'

/** The probe for a check of any kind; `http` options apply to http checks only. */
export function probeFor(check: Check, options: { readonly http?: HttpProbeOptions } = {}): Probe {
  switch (check.kind) {
    case 'http':
      return httpProbe(check, options.http)
    case 'tcp':
      return tcpProbe(check)
    case 'dns':
      return dnsProbe(check)
  }
}
