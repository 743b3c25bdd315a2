# Visits, notices, check-in/out and reports arrive with the booking issue.
