import type { Problem } from './types';

/** Refusals in words: a sentence for each code the Console knows, otherwise the server's own detail. */
const SENTENCES: Record<string, string> = {
  'last-admin': 'An organization needs at least one Admin: make someone else an Admin first.',
  'permission-denied': 'Your role does not allow this.',
  'not-a-member': 'You are not a member of this organization (any more).',
  'already-member': 'This person is already a member of the organization.',
  'invitation-expired': 'This invitation has expired; ask an Admin to invite you again.',
  'invitation-revoked': 'This invitation was revoked.',
  'invitation-used': 'This invitation was already used.',
  'invitation-not-pending': 'This invitation is no longer pending.',
  'member-not-found': 'This person is not a member of the organization.',
  'organization-suspended': 'The organization is suspended: nothing can be changed until an operator reactivates it.',
  'resource-name-taken': 'A resource of this kind with this name already exists; choose another name.',
  'phone-number-taken': 'This phone number is already in the organization.',
  'slots-unbound': 'The app cannot be published yet: every slot must be bound to an active resource of its kind.',
  'not-a-zip': 'The file is not a ZIP archive.',
  'package-too-large': 'The package is larger than the server accepts.',
  'too-many-entries': 'The package holds too many files.',
  'zip-bomb': 'The package inflates to far more than it claims; it was refused as a possible zip bomb.',
  'unsafe-entry-name': 'The package contains a file with an unsafe name (for example "../" or an absolute path).',
  'manifest-missing': 'The package has no manifest.json: it was not exported by this platform.',
  'manifest-invalid': 'The package manifest is invalid.',
  'unsupported-format-version': 'The package was written by a newer version of the platform than this one reads.',
  'file-list-mismatch': 'The files in the package do not match its manifest.',
  'checksum-mismatch': 'A file in the package was changed after export (its checksum does not match).',
  'definition-invalid': 'The app definition in the package is not valid JSON.',
  'definition-too-large': 'The app definition is larger than the server accepts.',
  'unknown-resource-kind': 'The package needs a kind of resource this platform does not have.',
  'zip-required': 'Choose a ZIP file to import.',
  'sign-in-throttled': 'Too many failed sign-ins.',
  'mfa-enrolment-required': 'This organization requires two-factor authentication: set up a second factor in your profile, then sign in again with it.',
  'mfa-required': 'Two-factor authentication is needed here: sign in with your second factor.',
  'invitation-link-invalid': 'This invitation link does not match the email address (or a newer invitation mail replaced it): use the address the invitation was sent to, and the latest mail.',
  'reset-link-invalid': 'This password reset link is not valid any more (links work once, and a newer mail replaces them): ask for a new one.',
  'email-taken': 'An account with this email address already exists: sign in instead.',
  'weak-password': 'This password is too weak.',
};

export function describeProblem(problem: Problem): string {
  const sentence = problem.code ? SENTENCES[problem.code] : undefined;
  const detail = typeof problem.detail === 'string' && problem.detail.length > 0 ? problem.detail : undefined;
  const errors = Array.isArray(problem.errors) ? problem.errors.map(String).join('; ') : undefined;
  if (problem.status === 401 && !sentence) return detail ? capitalise(detail) + '.' : 'You need to sign in again.';
  const parts = [sentence, detail && detail !== sentence ? `(${detail})` : undefined, errors].filter(Boolean);
  if (parts.length > 0) return parts.join(' ');
  return problem.title ? `${problem.title}.` : `The server refused the request (HTTP ${problem.status}).`;
}

function capitalise(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(describeProblem(problem));
  }
}
