//! The scheduler: a pure function from a CIB to what the cluster is doing and
//! should do next. Stage one, [`unpack`], turns the status section into
//! typed cluster state; [`summary`] prints it the way `crm_simulate` does.
