import { z } from 'zod'

export interface JsonSchemaOptions {
  /** Shown by editors as the document's name. */
  title: string
  /** `$id`, usually the URL the schema is published at. */
  id?: string
}

/**
 * The JSON Schema (draft 2020-12) of a configuration schema's *input*, for editors: fields with defaults
 * are optional, as they are in the file. Parts JSON Schema cannot express (transforms' outputs, custom
 * checks) are left open rather than failing.
 */
export function jsonSchemaOf(schema: z.ZodType, { title, id }: JsonSchemaOptions): Record<string, unknown> {
  const { $schema, ...body } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
  return { $schema, ...(id === undefined ? {} : { $id: id }), title, ...body }
}
