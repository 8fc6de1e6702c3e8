//! Objects handed to C: boxed [`Guarded`] values behind the opaque
//! `lz4framed_*` struct pointers, and the one way to get at them.
//!
//! [`object`] and [`object_mut`] do, in one call, what every function
//! taking an object needs: refuse NULL (`NULL_ARGUMENT`), turn the pointer
//! into a reference, and refuse an object a panic poisoned (`INTERNAL`).

use crate::error::{Error, Result};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A Rust value owned by C through a pointer from [`into_handle`].
pub(crate) struct Guarded<T> {
    value: T,
    /// Set when a panic interrupted a call: the value may break its own
    /// invariants, so it is never touched again (only dropped).
    poisoned: bool,
}

impl<T> Guarded<T> {
    pub(crate) fn new(value: T) -> Self {
        Guarded {
            value,
            poisoned: false,
        }
    }

    /// Runs `f` on the value, poisoning the object if `f` panics.
    pub(crate) fn with<R>(&mut self, f: impl FnOnce(&mut T) -> Result<R>) -> Result<R> {
        if self.poisoned {
            return Err(Error::Internal);
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut self.value))) {
            Ok(result) => result,
            Err(_) => {
                self.poisoned = true;
                Err(Error::Internal)
            }
        }
    }

    /// Read access; `INTERNAL` once poisoned.
    pub(crate) fn get(&self) -> Result<&T> {
        if self.poisoned {
            Err(Error::Internal)
        } else {
            Ok(&self.value)
        }
    }
}

/// An opaque C object type: a struct holding one `Guarded` Rust value.
pub(crate) trait Object: Sized {
    type Value;
    fn wrap(guarded: Guarded<Self::Value>) -> Self;
    fn guarded(&self) -> &Guarded<Self::Value>;
    fn guarded_mut(&mut self) -> &mut Guarded<Self::Value>;
}

/// Makes `$name`, a struct with one field `guarded: Guarded<$value>`
/// (written out where it is defined, so that cbindgen declares it as an
/// opaque type), a C object.
macro_rules! impl_object {
    ($name:ident($value:ty)) => {
        impl $crate::ffi::handle::Object for $name {
            type Value = $value;
            fn wrap(guarded: $crate::ffi::handle::Guarded<$value>) -> Self {
                $name { guarded }
            }
            fn guarded(&self) -> &$crate::ffi::handle::Guarded<$value> {
                &self.guarded
            }
            fn guarded_mut(&mut self) -> &mut $crate::ffi::handle::Guarded<$value> {
                &mut self.guarded
            }
        }

        // C may hand the object to another thread.
        const _: () = {
            const fn movable_between_threads<T: Send>() {}
            movable_between_threads::<$name>();
        };
    };
}
pub(crate) use impl_object;

/// Hands a new object holding `value` to C.
pub(crate) fn into_handle<O: Object>(value: O::Value) -> *mut O {
    Box::into_raw(Box::new(O::wrap(Guarded::new(value))))
}

/// Takes back and drops an object made by [`into_handle`]; NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from [`into_handle`] with the same `O` and was not
/// freed yet, and no other reference to it is in use.
pub(crate) unsafe fn free_handle<O: Object>(ptr: *mut O) {
    if !ptr.is_null() {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Read access to the value behind a C object pointer.
///
/// # Safety
/// `ptr` is NULL or points to a live object made by [`into_handle`] that no
/// thread mutates during `'a`.
pub(crate) unsafe fn object<'a, O: Object + 'a>(ptr: *const O) -> Result<&'a O::Value> {
    // SAFETY: guaranteed by the caller.
    let object = unsafe { ptr.as_ref() }.ok_or(Error::NullArgument)?;
    object.guarded().get()
}

/// Exclusive access to a C object, for [`Guarded::with`] (which poisons
/// it when the work panics).
///
/// # Safety
/// `ptr` is NULL or points to a live object made by [`into_handle`] that
/// nothing else uses during `'a`.
pub(crate) unsafe fn object_mut<'a, O: Object + 'a>(
    ptr: *mut O,
) -> Result<&'a mut Guarded<O::Value>> {
    // SAFETY: guaranteed by the caller.
    let object = unsafe { ptr.as_mut() }.ok_or(Error::NullArgument)?;
    object.guarded().get()?;
    Ok(object.guarded_mut())
}

/// A read-only query returning a plain value: `T::default()` (0) for NULL
/// or a poisoned object.
///
/// # Safety
/// As for [`object`].
pub(crate) unsafe fn query<O: Object, T: Default>(
    ptr: *const O,
    f: impl FnOnce(&O::Value) -> T,
) -> T {
    // SAFETY: guaranteed by the caller.
    unsafe { object(ptr) }.map(f).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestObject {
        guarded: Guarded<u8>,
    }
    impl_object!(TestObject(u8));

    #[test]
    fn a_panic_poisons_the_object() {
        let mut g = Guarded::new(1u8);
        assert_eq!(
            g.with(|_| -> Result<()> { panic!("test panic") }),
            Err(Error::Internal)
        );
        assert_eq!(g.with(|v| Ok(*v)), Err(Error::Internal));
        assert!(g.get().is_err());
    }

    #[test]
    fn access_checks_null_and_poison() {
        let p: *mut TestObject = into_handle(5);
        // SAFETY: `p` is live and used by this thread only.
        unsafe {
            assert_eq!(object(p), Ok(&5));
            assert_eq!(query(p, |v| u32::from(*v)), 5);
            let g = object_mut(p).unwrap();
            assert_eq!(
                g.with(|_| -> Result<()> { panic!("test panic") }),
                Err(Error::Internal)
            );
            assert_eq!(object(p).err(), Some(Error::Internal));
            assert!(object_mut(p).is_err());
            assert_eq!(query(p, |v| u32::from(*v)), 0);
            free_handle(p);
            assert_eq!(
                object::<TestObject>(std::ptr::null()).err(),
                Some(Error::NullArgument)
            );
            assert!(object_mut::<TestObject>(std::ptr::null_mut()).is_err());
            free_handle::<TestObject>(std::ptr::null_mut());
        }
    }
}
