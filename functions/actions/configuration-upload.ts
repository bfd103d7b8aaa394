/**
 * Configuration uploaded through the API: the site's XML files in one request, validated as
 * `vigil validate` does, and for one site only.
 *
 * Every file must be `<bergamot site="NAME">` with NAME the name of the site it is uploaded to. A
 * file naming another site is an error at its `site` attribute: applying stores a configuration
 * under the site its XML names, so without this rule an admin of one site could write another
 * tenant's site by naming it.
 */
import { Diagnostics, type Diagnostic } from '#core/config/diagnostics.ts';
import { loadConfiguration, type ConfigFile } from '#core/config/load.ts';
import { countObjects, type SiteModel } from '#core/config/model.ts';
import { parseXmlDocument } from '#core/config/xml-document.ts';

export interface UploadedConfiguration {
  /** The resolved site, when the files hold no error. */
  site: SiteModel | undefined;
  /** Every problem, in reading order (file, line, column). */
  diagnostics: Diagnostic[];
  errorCount: number;
  warningCount: number;
  /** Objects per kind, as `vigil validate` prints them (empty when there are errors). */
  counts: Record<string, number>;
}

/** Loads uploaded files (name -> XML text) for the site named `siteName`. */
export function loadUploadedConfiguration(files: Readonly<Record<string, string>>, siteName: string): UploadedConfiguration {
  const configFiles: ConfigFile[] = Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, text]) => ({ path, text }));
  const loaded = loadConfiguration(configFiles);
  if (loaded.sites.some((site) => site.name !== siteName)) reportOtherSites(configFiles, siteName, loaded.diagnostics);
  const { diagnostics } = loaded;
  const site = diagnostics.errorCount === 0 ? loaded.sites.find((s) => s.name === siteName) : undefined;
  return {
    site,
    diagnostics: diagnostics.sorted(),
    errorCount: diagnostics.errorCount,
    warningCount: diagnostics.warningCount,
    counts: site ? countObjects(site) : {},
  };
}

/**
 * An error at the `site` attribute of every file that names another site. Only done when some
 * file does, so the files are parsed a second time only on that error path. A file without the
 * attribute already has its error.
 */
function reportOtherSites(files: readonly ConfigFile[], siteName: string, diagnostics: Diagnostics): void {
  for (const file of files) {
    const attribute = parseXmlDocument(file.path, file.text, new Diagnostics())?.attributes.get('site');
    if (attribute && attribute.value !== siteName) {
      diagnostics.error(
        attribute.at,
        `this file is for site '${attribute.value}', but it was uploaded to site '${siteName}'`,
        `write <bergamot site="${siteName}">, or upload it to the site it is for`,
      );
    }
  }
}
