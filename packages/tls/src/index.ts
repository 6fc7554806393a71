export {
  CertificateStore,
  loadCertificate,
  type CertificateStoreOptions,
  type LoadedCertificate,
} from './certificates.js'
export { isHostName } from './names.js'
export {
  serverNameSchema,
  tlsCertificateSchema,
  tlsCertificatesSchema,
  type TlsCertificate,
  type TlsCertificateInput,
  type TlsCertificatesOptions,
} from './schema.js'
export { buildSniTable, type SniEntry, type SniTable } from './sni.js'
