//! weight_copier (being written)
