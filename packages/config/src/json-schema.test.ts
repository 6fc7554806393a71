import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { jsonSchemaOf } from './json-schema.js'

const schema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  weight: z.number().default(1),
  policy: z.enum(['failover', 'weighted']).default('failover'),
  // Transforms and custom checks have no JSON Schema form; the editor schema stays usable without them.
  name: z.string().transform((name) => name.toLowerCase()),
  hook: z.custom<() => void>((value) => typeof value === 'function').optional(),
})

describe('jsonSchemaOf', () => {
  test('describes the input: fields with defaults are optional', () => {
    const json = jsonSchemaOf(schema, { title: 'nines' })
    expect(json.required).toEqual(['port', 'name'])
    expect(json.additionalProperties).toBe(false)
    expect(json.properties).toMatchObject({
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      weight: { type: 'number', default: 1 },
      policy: { enum: ['failover', 'weighted'], default: 'failover' },
      name: { type: 'string' },
    })
  })

  test('sets $schema, $id and title, in that order', () => {
    const json = jsonSchemaOf(schema, { title: 'nines configuration', id: 'https://nines.test/config.json' })
    expect(Object.keys(json).slice(0, 3)).toEqual(['$schema', '$id', 'title'])
    expect(json).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://nines.test/config.json',
      title: 'nines configuration',
    })
  })

  test('leaves $id out unless given', () => {
    expect(jsonSchemaOf(schema, { title: 't' })).not.toHaveProperty('$id')
  })
})
