"""Review events, sent on commit. The store score (a later app) listens to `review_posted`."""

from django.dispatch import Signal

review_posted = Signal()  # review=Review
follow_up_posted = Signal()  # review=Review, follow_up=FollowUp
review_replied = Signal()  # review=Review, reply=Reply
