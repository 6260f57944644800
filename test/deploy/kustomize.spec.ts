import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_MAP_NAME, overlayDir, REGIONS, regionEnvFile, renderOverlay } from './support/deploy';
import { configMapHash, findResource, parseEnvFile, renderKustomization } from './support/kustomize';

/**
 * How the manifests are rendered: by test/deploy/support/kustomize.ts (YAML only); the e2e tier
 * (kustomize-binary.e2e-spec.ts) compares it with the real kustomize binary, which .ci/run installs.
 */
describe('rendering deploy/k8s/overlays/<region>', () => {
  it.each(REGIONS)('%s: the overlay renders the base in its namespace ocp-<region>, with the region label and a ConfigMap from deploy/regions/<region>.env', (region) => {
    const { resources, generated } = renderOverlay(region);
    const kinds = resources.map((r) => `${r.kind}/${r.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ConfigMap/' + generated.get(CONFIG_MAP_NAME),
        'Deployment/app-packaging',
        'Deployment/identity',
        'Deployment/organization',
        'Job/kafka-topics',
        'PodDisruptionBudget/app-packaging',
        'PodDisruptionBudget/identity',
        'PodDisruptionBudget/organization',
        'Service/app-packaging',
        'Service/identity',
        'Service/organization',
      ].sort(),
    );
    for (const r of resources) {
      expect({ resource: `${r.kind}/${r.metadata.name}`, namespace: r.metadata.namespace, region: r.metadata.labels?.region }).toEqual({
        resource: `${r.kind}/${r.metadata.name}`,
        namespace: `ocp-${region}`,
        region,
      });
    }
    const cm = findResource(resources, 'ConfigMap', generated.get(CONFIG_MAP_NAME)!)!;
    expect(cm.data).toEqual(parseEnvFile(regionEnvFile(region)));
    expect(cm.data.REGION).toBe(region);
  });

  it.each(REGIONS)('%s: deploy/regions/<region>.env is the very file the overlay reads (kustomize reads no file outside the overlay)', (region) => {
    // the overlay's region.env is the real file; deploy/regions/<region>.env a symlink to it
    expect(realpathSync(regionEnvFile(region))).toBe(realpathSync(join(overlayDir(region), 'region.env')));
  });

  it('names a generated ConfigMap like kustomize v5 (content hash), so a change of settings rolls the pods', () => {
    // reference values printed by kustomize v5.4.3
    expect(configMapHash({ A: '1' })).toBe('89g4tffbfk');
    const { generated } = renderOverlay('eu');
    expect(generated.get(CONFIG_MAP_NAME)).toMatch(new RegExp(`^${CONFIG_MAP_NAME}-[a-z0-9]{10}$`));
    const names = REGIONS.map((r) => renderOverlay(r).generated.get(CONFIG_MAP_NAME));
    expect(new Set(names).size).toBe(REGIONS.length);
    for (const region of REGIONS) {
      for (const d of renderOverlay(region).resources.filter((r) => r.kind === 'Deployment' || r.kind === 'Job')) {
        const refs = JSON.stringify(d).match(new RegExp(`"${CONFIG_MAP_NAME}[^"]*"`, 'g')) ?? [];
        expect(new Set(refs)).toEqual(new Set([`"${renderOverlay(region).generated.get(CONFIG_MAP_NAME)}"`]));
      }
    }
  });

  describe('the YAML renderer itself', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses a file outside the kustomization directory, even through a symlink, as kustomize does', () => {
      mkdirSync(join(dir, 'overlay'));
      writeFileSync(join(dir, 'outside.env'), 'A=1\n');
      symlinkSync('../outside.env', join(dir, 'overlay', 'region.env'));
      writeFileSync(join(dir, 'overlay', 'kustomization.yaml'), 'configMapGenerator:\n  - name: c\n    envs: [region.env]\n');
      expect(() => renderKustomization(join(dir, 'overlay'))).toThrow(/is not in or below/);
    });

    it('refuses fields it does not implement instead of ignoring them', () => {
      writeFileSync(join(dir, 'kustomization.yaml'), 'patches:\n  - path: p.yaml\n');
      expect(() => renderKustomization(dir)).toThrow(/field "patches" is not supported/);
    });

    it('refuses an env line without "=" (kustomize would read it from the environment of whoever renders)', () => {
      writeFileSync(join(dir, 'a.env'), '# comment\nA=1\nOPERATOR_TOKEN\n');
      expect(() => parseEnvFile(join(dir, 'a.env'))).toThrow(/expected KEY=VALUE/);
    });

    it('applies images (kustomize edit set image), so pinning a tag keeps the tests working', () => {
      writeFileSync(join(dir, 'kustomization.yaml'), `resources: [${JSON.stringify(join(overlayDir('eu')))}]\nimages:\n  - name: ghcr.io/example/orgs-control-plane\n    newTag: "1.2.3"\n`);
      // an absolute path to a directory is allowed (directories are not subject to the load restrictor)
      const images = renderKustomization(dir).resources.filter((r) => r.kind === 'Deployment').map((d) => d.spec.template.spec.containers[0].image);
      expect(new Set(images)).toEqual(new Set(['ghcr.io/example/orgs-control-plane:1.2.3']));
    });
  });
});
