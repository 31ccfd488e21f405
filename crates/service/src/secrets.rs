//! Password and secret hashing (argon2id) and the generation of random secrets.

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// Caps how many argon2 computations run at once in this process, and gives each its working
/// memory from a pool that is allocated once and reused. Each computation needs `memory_kib`
/// of RAM: a burst of logins would otherwise grow the process by that much per request (16
/// concurrent logins measured 0.75–1.5 GiB), and even with a cap, memory freed on one of the
/// many blocking threads stays in that thread's malloc arena (563 MiB measured). With one
/// slot per core, each owning its blocks for the life of the process, argon2 holds at most
/// cores × memory_kib, and the CPU is saturated anyway. Process-local on purpose: it bounds
/// this process's memory, not a quota shared between instances.
#[derive(Debug)]
struct HashingSlots {
    free: std::sync::Mutex<Vec<Vec<Block>>>,
    released: std::sync::Condvar,
}

/// A held slot and its memory; both go back to the pool on drop.
struct SlotGuard<'a> {
    slots: &'a HashingSlots,
    memory: Vec<Block>,
}

impl HashingSlots {
    fn new(slots: usize) -> Self {
        Self {
            free: std::sync::Mutex::new((0..slots.max(1)).map(|_| Vec::new()).collect()),
            released: std::sync::Condvar::new(),
        }
    }

    fn acquire(&self) -> SlotGuard<'_> {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if let Some(memory) = free.pop() {
                return SlotGuard {
                    slots: self,
                    memory,
                };
            }
            free = self
                .released
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

impl SlotGuard<'_> {
    /// At least `blocks` blocks of this slot's memory (grown once, then reused).
    fn memory(&mut self, blocks: usize) -> &mut [Block] {
        if self.memory.len() < blocks {
            self.memory.resize(blocks, Block::default());
        }
        &mut self.memory[..blocks]
    }
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        let memory = std::mem::take(&mut self.memory);
        let mut free = self
            .slots
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        free.push(memory);
        self.slots.released.notify_one();
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
        let failed = |e: &dyn std::fmt::Display| ServiceError::Internal(format!("hashing: {e}"));
        let params = self.argon2.params();
        let output = self
            .compute(&self.argon2, secret, salt.as_salt())
            .map_err(|e| failed(&e))?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(params).map_err(|e| failed(&e))?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(hash.to_string())
    }

    /// Whether a secret matches a stored hash (computed with the hash's own parameters); a
    /// malformed hash never matches.
    pub fn verify(&self, secret: &str, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return false;
        };
        let algorithm = Algorithm::try_from(parsed.algorithm);
        let version = parsed
            .version
            .map_or(Ok(Version::default()), Version::try_from);
        let params = Params::try_from(&parsed);
        let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, params) else {
            return false;
        };
        let argon2 = Argon2::new(algorithm, version, params);
        // `Output`'s equality is constant-time.
        self.compute(&argon2, secret, salt)
            .is_ok_and(|computed| computed == expected)
    }

    /// The raw argon2 output of `secret` with `salt`, computed in a slot's reused memory.
    fn compute(
        &self,
        argon2: &Argon2<'_>,
        secret: &str,
        salt: Salt<'_>,
    ) -> argon2::password_hash::Result<Output> {
        let params = argon2.params().clone();
        let mut salt_bytes = [0u8; 64];
        let salt_raw = salt.decode_b64(&mut salt_bytes)?;
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let mut slot = self.slots.acquire();
        let memory = slot.memory(params.block_count());
        let output = Output::init_with(output_len, |out| {
            Ok(argon2.hash_password_into_with_memory(
                secret.as_bytes(),
                salt_raw,
                out,
                &mut *memory,
            )?)
        })?;
        drop(slot);
        Ok(output)
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
    fn hashes_agree_with_the_argon2_crates_own_and_keep_their_parameters() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let hasher = SecretHasher::new(HashingParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        // A hash made elsewhere with other parameters (an older, cheaper cost; two lanes)
        // verifies with its own parameters, in memory larger than the pool's.
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(128, 2, 2, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let theirs = other.hash_password(b"mat khau", &salt).unwrap().to_string();
        assert!(hasher.verify("mat khau", &theirs));
        assert!(!hasher.verify("mat khau!", &theirs));
        // Ours verifies with the crate's own verifier.
        let ours = hasher.hash("mat khau").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"mat khau", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"mat-khau", &parsed)
            .is_err());
    }

    #[test]
    fn generated_secrets_have_the_promised_length() {
        assert_eq!(generate_password().len(), 20);
        assert_eq!(generate_client_secret().len(), 43);
        assert_ne!(generate_password(), generate_password());
        assert_eq!(sha256_hex("abc").len(), 64);
    }
}
