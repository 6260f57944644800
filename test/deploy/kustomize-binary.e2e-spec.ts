import { findKustomizeBinary, K8sObject, kustomizeBuild, resourceKey } from './support/kustomize';
import { overlayDir, REGIONS, renderOverlay } from './support/deploy';

/**
 * The YAML renderer the deploy tests use, checked against the real kustomize (installed by .ci/run with
 * `go install sigs.k8s.io/kustomize/kustomize/v5@v5.4.3`; set KUSTOMIZE or put it on PATH to run it yourself).
 */
describe('the deploy tests render exactly what kustomize does', () => {
  const binary = findKustomizeBinary();
  const normalize = (resources: K8sObject[]) =>
    Object.fromEntries(resources.map((r) => [resourceKey(r), JSON.parse(JSON.stringify(r))]).sort(([a], [b]) => a.localeCompare(b)));

  it.each(REGIONS)('%s: kustomize build renders exactly what the YAML renderer does', (region) => {
    if (!binary) throw new Error('no kustomize binary: go install sigs.k8s.io/kustomize/kustomize/v5@v5.4.3 (or set KUSTOMIZE)');
    expect(normalize(renderOverlay(region).resources)).toEqual(normalize(kustomizeBuild(binary, overlayDir(region))));
  });
});
