export {
  addressSchema,
  dnsZoneSchema,
  dnsZonesSchema,
  dynamicNameSchema,
  hostNameSchema,
  nsSchema,
  ownerNameSchema,
  recordOwnerSchema,
  soaSchema,
  staticRecordSchema,
  ttlSecSchema,
  type DnsZone,
  type DnsZones,
  type DnsZonesInput,
  type DynamicName,
  type NsEntry,
  type Soa,
  type StaticRecord,
  type StaticRecordType,
} from './schema.js'
export { isWithin, ownerFqdn, zoneOf } from './names.js'
export { checkZoneReferences, type ZoneProblem } from './references.js'
export { zoneSerial } from './serial.js'
