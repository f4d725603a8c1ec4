//! The signed-in session, kept so that the desk opens signed in after a restart even
//! when the server is unreachable.
