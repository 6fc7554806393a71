// The edge router's stages; each folder exports its part here.
export * from './eject/index.js'
export * from './retry/index.js'
