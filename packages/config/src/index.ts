export {
  ConfigError,
  configErrorCodes,
  formatIssue,
  type ConfigErrorCode,
  type ConfigIssue,
} from './errors.js'
export { parseConfig } from './parse.js'
export { loadConfig, type LoadedConfig } from './load.js'
export {
  defaultDebounceMs,
  watchConfig,
  type ConfigLogger,
  type ConfigWatcher,
  type ReloadResult,
  type WatchConfigOptions,
} from './watch.js'
export { jsonSchemaOf, type JsonSchemaOptions } from './json-schema.js'
export { formatPath } from './path.js'
