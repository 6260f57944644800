import { Inject, Injectable } from '@nestjs/common';
import { EventMetadata, EventStore, ProjectionRunner } from '@lib/eventstore';
import { derivedEventId } from '@lib/messaging';
import { EVENT_STORE, PROJECTIONS } from '@lib/service-kit';
import { AppRepository } from './app.repository';
import { AppsReadModel } from './projections';

/** a resource disabled or deleted in organization takes its bindings with it */
@Injectable()
export class ResourceReleaseService {
  constructor(
    private readonly apps: AppRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly appsReadModel: AppsReadModel,
    @Inject(PROJECTIONS) private readonly projections: ProjectionRunner,
  ) {}

  /** every app of the organization bound to the resource loses that binding (and so needs configuration) */
  async releaseResource(
    organizationId: string,
    resourceId: string,
    reason: 'resource-disabled' | 'resource-deleted',
    metadata: EventMetadata,
    sourceEventId: string,
  ) {
    await this.projections.waitFor(await this.store.headPosition(), 10_000);
    for (const appId of this.appsReadModel.appsBoundTo(resourceId)) {
      const { state } = await this.apps.load(appId);
      if (state.organizationId !== organizationId) continue;
      await this.apps.handle(appId, { type: 'ReleaseResource', resourceId, reason }, metadata, {
        eventIds: (i) => derivedEventId(`app-packaging:${appId}`, sourceEventId, i),
      });
    }
  }
}
