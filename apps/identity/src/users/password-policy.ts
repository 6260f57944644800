/** why a password is refused, or null when it is acceptable */
export function passwordProblem(password: string, email: string, minLength: number): string | null {
  if (password.length < minLength) return `the password must be at least ${minLength} characters long`;
  if (password.length > 256) return 'the password must be at most 256 characters long';
  if (new Set(password).size < 5) return 'the password must use at least 5 different characters';
  const lower = password.toLowerCase();
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && lower.includes(local)) return 'the password must not contain your email address';
  if (COMMON.some((c) => lower.includes(c))) return 'the password is too common: it contains a well-known password';
  if (/^(.)\1+$/.test(password) || /^(0123456789|1234567890|abcdefghijkl)/i.test(password)) return 'the password is a sequence';
  return null;
}

const COMMON = ['password', 'qwerty', '123456', 'letmein', 'iloveyou', 'welcome', 'admin', 'monkey', 'dragon', 'abc123', 'trustno1'];
