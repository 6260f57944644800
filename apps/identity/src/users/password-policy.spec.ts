import { passwordProblem } from './password-policy';

/*
 * passwordProblem(password, email, minLength) returns the first reason a password is refused, or null.
 * Every case below names exactly one problem (the other rules are satisfied), except where the order of
 * the checks is the point.
 */

const EMAIL = 'jonathan.smith@acme.test';
const MIN = 12;

const REASON = {
  tooShort: (min: number) => `the password must be at least ${min} characters long`,
  tooLong: 'the password must be at most 256 characters long',
  tooFewCharacters: 'the password must use at least 5 different characters',
  containsEmail: 'the password must not contain your email address',
  common: 'the password is too common: it contains a well-known password',
  sequence: 'the password is a sequence',
} as const;

/** 256 characters, many distinct ones, nothing common */
const LONGEST = 'Zq7#vR2m'.repeat(32);

describe('passwordProblem', () => {
  describe('acceptable passwords → null', () => {
    it.each([
      { name: 'a long passphrase', password: 'correct horse battery staple' },
      { name: 'exactly the minimum length', password: 'Zq7#vR2m!kLp' },
      { name: 'exactly 256 characters', password: LONGEST },
      { name: 'exactly 5 different characters', password: 'abcdeabcdeab' },
      { name: 'a short email local part (under 4 characters) may appear', password: 'bob-xQ7#vR2m!k', email: 'bob@acme.test' },
      { name: 'the email domain may appear', password: 'acme.test-Zq7#vR2m', email: EMAIL },
      { name: 'a sequence that does not start the password', password: 'Zq7#abcdefghijkl' },
    ])('$name', ({ password, email }) => {
      expect(passwordProblem(password, email ?? EMAIL, MIN)).toBeNull();
    });
  });

  describe('too short', () => {
    it.each([
      { password: '', min: MIN },
      { password: 'Zq7#vR2m!kL', min: MIN }, // one short
      { password: 'Zq7#vR2m', min: 9 },
    ])('$password.length characters with a minimum of $min', ({ password, min }) => {
      expect(passwordProblem(password, EMAIL, min)).toBe(REASON.tooShort(min));
    });

    it('names the configured minimum', () => {
      expect(passwordProblem('Zq7#vR2m!kLp', EMAIL, 20)).toBe('the password must be at least 20 characters long');
    });
  });

  describe('too long', () => {
    it('257 characters', () => {
      expect(passwordProblem(`${LONGEST}x`, EMAIL, MIN)).toBe(REASON.tooLong);
    });
  });

  describe('too few different characters', () => {
    it.each([
      { name: 'one character repeated', password: 'zzzzzzzzzzzzzzzz' },
      { name: 'two characters alternating', password: 'xyxyxyxyxyxyxy' },
      { name: 'four different characters', password: 'abcdabcdabcdabcd' },
      { name: 'case counts as different, but 4 is still too few', password: 'aAbBaAbBaAbB' },
    ])('$name', ({ password }) => {
      expect(passwordProblem(password, EMAIL, MIN)).toBe(REASON.tooFewCharacters);
    });
  });

  describe('contains the email address', () => {
    it.each([
      { name: 'the local part as is', password: 'jonathan.smith-Zq7#', email: EMAIL },
      { name: 'the local part in another case', password: 'JONATHAN.SMITH-Zq7#', email: EMAIL },
      { name: 'a 4-character local part', password: 'Zq7#-anna-vR2m', email: 'anna@acme.test' },
      { name: 'an email whose local part is upper case', password: 'xx-anna-Zq7#vR', email: 'ANNA@acme.test' },
    ])('$name', ({ password, email }) => {
      expect(passwordProblem(password, email, MIN)).toBe(REASON.containsEmail);
    });
  });

  describe('contains a well-known password', () => {
    it.each(['password', 'qwerty', '123456', 'letmein', 'iloveyou', 'welcome', 'admin', 'monkey', 'dragon', 'abc123', 'trustno1'])(
      '%s',
      (common) => {
        expect(passwordProblem(`Zq7#vR-${common}-m!`, EMAIL, MIN)).toBe(REASON.common);
      },
    );

    it('in any case', () => {
      expect(passwordProblem('My-PaSsWoRd-Zq7#', EMAIL, MIN)).toBe(REASON.common);
    });
  });

  describe('a sequence', () => {
    it.each(['abcdefghijkl', 'abcdefghijklmnop', 'ABCDEFGHIJKL-Zq7#'])('%s', (password) => {
      expect(passwordProblem(password, EMAIL, MIN)).toBe(REASON.sequence);
    });
  });

  describe('the order of the checks', () => {
    it('length comes first, even for a common password', () => {
      expect(passwordProblem('password', EMAIL, MIN)).toBe(REASON.tooShort(MIN));
    });

    it('too few different characters comes before the email', () => {
      expect(passwordProblem('annaannaanna', 'anna@acme.test', MIN)).toBe(REASON.tooFewCharacters);
    });

    it('the email comes before a well-known password', () => {
      expect(passwordProblem('jonathan.smith-password', EMAIL, MIN)).toBe(REASON.containsEmail);
    });

    it('a well-known password comes before a sequence', () => {
      expect(passwordProblem('abcdefghijkl-admin', EMAIL, MIN)).toBe(REASON.common);
    });
  });
});
