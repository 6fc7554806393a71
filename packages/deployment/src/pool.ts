import { admissionSchema, ejectionSchema, panicSchema } from '@nines/edge'
import { poolSchema } from '@nines/health'

/**
 * A pool as the deployment file has it: the health part (check, endpoints) both daemons probe, plus the
 * edge's passive ejection, panic threshold and admission, defaulted so that nines-dns never needs to know them.
 * `safeExtend`, not `extend`: the health schema is refined (duplicate endpoints), and only `safeExtend`
 * keeps that refinement with its exact paths.
 */
export const deploymentPoolSchema = poolSchema.safeExtend({
  ejection: ejectionSchema.prefault({}),
  panic: panicSchema.prefault({}),
  admission: admissionSchema.prefault({}),
})
