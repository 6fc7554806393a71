// The edge router's stages; each folder exports its part here.
export * from './routes/index.js'
