import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { createSecureContext, type SecureContext } from 'node:tls'
import { NinesError, type Logger } from '@nines/core'
import type { TlsCertificate, TlsCertificatesOptions } from './schema.js'
import { buildSniTable, type SniTable } from './sni.js'

/** One certificate as loaded: its PEM bytes and the context made from them. */
export interface LoadedCertificate {
  readonly cert: Buffer
  readonly key: Buffer
  readonly context: SecureContext
}

/**
 * Reads one certificate's files and makes its SecureContext. Errors name the configuration path:
 * NINES_ERR_CERTIFICATE_READ (`tls.certificates[1].certFile: cannot read /x.pem: ENOENT`) or
 * NINES_ERR_CERTIFICATE_INVALID (not PEM, or the key does not match the certificate).
 */
export async function loadCertificate(entry: TlsCertificate, path: string): Promise<LoadedCertificate> {
  const read = async (field: 'certFile' | 'keyFile'): Promise<Buffer> => {
    const file = entry[field]
    try {
      return await readFile(file)
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message
      throw new NinesError('NINES_ERR_CERTIFICATE_READ', `${path}.${field}: cannot read ${file}: ${reason}`, {
        cause,
      })
    }
  }
  const [cert, key] = await Promise.all([read('certFile'), read('keyFile')])
  try {
    return { cert, key, context: createSecureContext({ cert, key }) }
  } catch (cause) {
    throw new NinesError(
      'NINES_ERR_CERTIFICATE_INVALID',
      `${path}: cannot use ${entry.certFile} with ${entry.keyFile}: ${(cause as Error).message}`,
      { cause },
    )
  }
}

export interface CertificateStoreOptions {
  readonly tls: TlsCertificatesOptions
  readonly logger: Logger
  /** Called with the default certificate whenever it changes (clients without SNI get it). */
  readonly onDefaultChange?: (certificate: LoadedCertificate) => void
  /** Quiet time after the last file event before reloading; editors and renames come in bursts. Default 200 ms. */
  readonly debounceMs?: number
}

/**
 * A TLS listener's certificates: an SNI table over SecureContexts, rebuilt from the files on
 * `reload()` and on file changes. A certificate that fails to load keeps its previous context, so a
 * half-written or mismatched pair never takes a listener down; established connections keep the
 * context they were made with.
 */
export class CertificateStore {
  private loaded: LoadedCertificate[]
  private table: SniTable<LoadedCertificate>
  private readonly watchers: FSWatcher[] = []
  private timer: NodeJS.Timeout | undefined
  private reloading: Promise<void> = Promise.resolve()

  private constructor(
    private readonly options: CertificateStoreOptions,
    loaded: LoadedCertificate[],
  ) {
    this.loaded = loaded
    this.table = this.build()
  }

  /** Reads every certificate; the first that fails rejects with its path (see loadCertificate). */
  static async open(options: CertificateStoreOptions): Promise<CertificateStore> {
    const loaded = await Promise.all(
      options.tls.certificates.map((entry, i) => loadCertificate(entry, `tls.certificates[${i}]`)),
    )
    return new CertificateStore(options, loaded)
  }

  /** The certificate for clients that send no SNI or an unknown name. */
  defaultCertificate(): LoadedCertificate {
    return this.table.pick(undefined)
  }

  /** For `https.createServer({ SNICallback })`, `tls.createServer` and `http2.createSecureServer`. */
  readonly sniCallback = (
    servername: string,
    callback: (error: Error | null, context?: SecureContext) => void,
  ): void => {
    callback(null, this.table.pick(servername).context)
  }

  /**
   * Re-reads every certificate. Those that load replace their old context at once (new handshakes
   * only); if any fails, its old context stays and this rejects with the first error after logging all.
   */
  reload(): Promise<void> {
    // Serialised: two overlapping reloads could otherwise finish out of order and keep older files.
    const next = this.reloading.then(() => this.reloadNow())
    this.reloading = next.catch(() => {})
    return next
  }

  /** Watches the certificates' directories (not the files: an atomic rename replaces the watched inode). */
  watch(): void {
    const names = new Map<string, Set<string>>()
    for (const entry of this.options.tls.certificates) {
      for (const file of [entry.certFile, entry.keyFile]) {
        const dir = dirname(resolve(file))
        const set = names.get(dir) ?? new Set<string>()
        set.add(basename(file))
        names.set(dir, set)
      }
    }
    for (const [dir, files] of names) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, filename) => {
          // `..data` and friends: Kubernetes swaps a symlinked directory instead of the files.
          const name = filename?.toString()
          if (name === undefined || files.has(name) || name.startsWith('..')) this.schedule()
        })
        watcher.on('error', (error) =>
          this.options.logger.warn({ dir, err: error.message }, 'certificate watch failed'),
        )
        this.watchers.push(watcher)
      } catch (error) {
        this.options.logger.warn({ dir, err: (error as Error).message }, 'cannot watch certificate directory')
      }
    }
  }

  close(): void {
    clearTimeout(this.timer)
    for (const watcher of this.watchers.splice(0)) watcher.close()
  }

  private schedule(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      // Errors were logged by reloadNow; a watcher has nobody else to tell.
      this.reload().catch(() => {})
    }, this.options.debounceMs ?? 200)
    this.timer.unref()
  }

  private async reloadNow(): Promise<void> {
    const { tls, logger } = this.options
    const results = await Promise.allSettled(
      tls.certificates.map((entry, i) => loadCertificate(entry, `tls.certificates[${i}]`)),
    )
    const before = this.defaultCertificate()
    let changed = 0
    let firstError: unknown
    this.loaded = results.map((result, i) => {
      const old = this.loaded[i]!
      if (result.status === 'rejected') {
        firstError ??= result.reason
        logger.error(
          { err: (result.reason as Error).message, certificate: i },
          'certificate reload failed; keeping the old one',
        )
        return old
      }
      if (result.value.cert.equals(old.cert) && result.value.key.equals(old.key)) return old
      changed++
      return result.value
    })
    if (changed > 0) {
      this.table = this.build()
      const after = this.defaultCertificate()
      if (after !== before) this.options.onDefaultChange?.(after)
      logger.info({ changed }, 'certificates reloaded')
    }
    if (firstError !== undefined) throw firstError
  }

  private build(): SniTable<LoadedCertificate> {
    return buildSniTable(
      this.options.tls.certificates.map((entry, i) => ({
        serverNames: entry.serverNames,
        value: this.loaded[i]!,
      })),
    )
  }
}
