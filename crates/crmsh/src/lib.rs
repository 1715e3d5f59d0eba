//! crm shell (`crm configure`) syntax for the CIB model.
