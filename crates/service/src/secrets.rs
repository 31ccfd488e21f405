//! Password and secret hashing (argon2id) and the generation of random secrets.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ServiceError;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashingParams {
    /// OWASP's recommendation for argon2id: m = 19 MiB, t = 2, p = 1.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords and client secrets.
///
/// Hashes are PHC strings that carry their own parameters, so raising the cost later keeps
/// old hashes verifiable.
#[derive(Clone)]
pub struct SecretHasher {
    argon2: Argon2<'static>,
    /// A hash of a random secret, verified against when the account does not exist so that
    /// "no such user" takes as long as "wrong password".
    dummy_hash: String,
    /// Bounds concurrent argon2 computations (and so their memory).
    slots: std::sync::Arc<HashingSlots>,
}

/// Caps how many argon2 computations run at once in this process. Each one takes
/// `memory_kib` of RAM, so a burst of logins would otherwise grow the process by that much per
/// request (16 concurrent logins measured 0.75–1.5 GiB); with one slot per core the peak is
/// cores × memory_kib, and the CPU is saturated anyway. Process-local on purpose: it bounds
/// this process's memory, not a quota shared between instances.
#[derive(Debug)]
struct HashingSlots {
    free: std::sync::Mutex<usize>,
    released: std::sync::Condvar,
}

/// A held slot; released on drop.
struct SlotGuard<'a>(&'a HashingSlots);

impl HashingSlots {
    fn new(slots: usize) -> Self {
        Self {
            free: std::sync::Mutex::new(slots.max(1)),
            released: std::sync::Condvar::new(),
        }
    }

    fn acquire(&self) -> SlotGuard<'_> {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free == 0 {
            free = self
                .released
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free -= 1;
        SlotGuard(self)
    }
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        let mut free = self
            .0
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *free += 1;
        self.0.released.notify_one();
    }
}

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretHasher").finish_non_exhaustive()
    }
}

impl SecretHasher {
    /// A hasher with the given cost.
    pub fn new(params: HashingParams) -> Result<Self, ServiceError> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| ServiceError::Internal(format!("argon2 parameters: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let mut hasher = Self {
            argon2,
            dummy_hash: String::new(),
            slots: std::sync::Arc::new(HashingSlots::new(cores)),
        };
        hasher.dummy_hash = hasher.hash(&random_urlsafe(16))?;
        Ok(hasher)
    }

    /// The PHC string of a secret's argon2id hash with a fresh random salt.
    pub fn hash(&self, secret: &str) -> Result<String, ServiceError> {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| ServiceError::Internal(format!("salt: {e}")))?;
        let _slot = self.slots.acquire();
        self.argon2
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("hashing: {e}")))
    }

    /// Whether a secret matches a stored hash; a malformed hash never matches.
    pub fn verify(&self, secret: &str, hash: &str) -> bool {
        let _slot = self.slots.acquire();
        match PasswordHash::new(hash) {
            Ok(parsed) => self
                .argon2
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the time of one verification and fails; for unknown accounts.
    pub fn verify_nothing(&self, secret: &str) -> bool {
        let _ = self.verify(secret, &self.dummy_hash);
        false
    }
}

/// `n` random bytes as unpadded base64url.
pub fn random_urlsafe(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A generated password: 20 characters, 120 bits.
pub fn generate_password() -> String {
    random_urlsafe(15)
}

/// A generated client secret: 43 characters, 256 bits.
pub fn generate_client_secret() -> String {
    random_urlsafe(32)
}

/// Hex SHA-256, for looking up high-entropy tokens (refresh tokens) by hash.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let hasher = SecretHasher::new(HashingParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        let a = hasher.hash("correct horse").unwrap();
        let b = hasher.hash("correct horse").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(hasher.verify("correct horse", &a));
        assert!(!hasher.verify("wrong horse", &a));
        assert!(!hasher.verify("correct horse", "not a hash"));
        assert!(!hasher.verify_nothing("x"));
    }

    #[test]
    fn generated_secrets_have_the_promised_length() {
        assert_eq!(generate_password().len(), 20);
        assert_eq!(generate_client_secret().len(), 43);
        assert_ne!(generate_password(), generate_password());
        assert_eq!(sha256_hex("abc").len(), 64);
    }
}
