import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { verificationDecider, verificationStream } from './verification.decider';

/** proof of email ownership, one stream per user */
@Injectable()
export class VerificationRepository extends EventSourcedRepository(verificationDecider, verificationStream, { cacheSize: 50_000 }) {}
