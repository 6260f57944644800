import { PlanEntry } from './app.events';
import type { AppState } from './app.decider';
import type { KnownResource } from '../directory/org-directory.decider';

/**
 * For each required slot, the target organization's active resources of that kind, best match first:
 * the one with the source resource's name, then the others of the same kind (by name).
 */
export function proposePlan(
  requirements: { slot: string; kind: string; hint: { name: string; kind: string } | null }[],
  resources: Iterable<KnownResource>,
): PlanEntry[] {
  const active = [...resources].filter((r) => r.status === 'active');
  return requirements.map(({ slot, kind, hint }) => {
    const sameKind = active.filter((r) => r.kind === kind).sort((a, b) => a.name.localeCompare(b.name));
    const hintName = hint?.name.toLowerCase();
    const candidates = [
      ...sameKind.filter((r) => r.name.toLowerCase() === hintName).map((r) => ({ resourceId: r.resourceId, name: r.name, match: 'same-name' as const })),
      ...sameKind.filter((r) => r.name.toLowerCase() !== hintName).map((r) => ({ resourceId: r.resourceId, name: r.name, match: 'same-kind' as const })),
    ];
    return { slot, kind, hint, candidates };
  });
}

/** the bindings a bulk "apply the suggestions" makes: the first candidate of every slot that has one */
export function suggestedBindings(plan: PlanEntry[], resources: Map<string, KnownResource>): Record<string, string> {
  const bindings: Record<string, string> = {};
  for (const entry of plan) {
    const best = entry.candidates.find((c) => resources.get(c.resourceId)?.status === 'active');
    if (best) bindings[entry.slot] = best.resourceId;
  }
  return bindings;
}

/**
 * The plan for the app's current requirements against the organization's resources now: the hints (source
 * resource names) come from the plan made at import, when there was one.
 */
export function currentPlan(app: Pick<AppState, 'requirements' | 'plan'>, resources: Map<string, KnownResource>): PlanEntry[] {
  const hints = new Map(app.plan.map((entry) => [entry.slot, entry.hint]));
  return proposePlan(
    app.requirements.map(({ slot, kind }) => ({ slot, kind, hint: hints.get(slot) ?? null })),
    resources.values(),
  );
}
