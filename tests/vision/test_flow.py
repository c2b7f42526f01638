import cv2
import numpy as np

from gwanje.vision.flow import shift_boxes


def test_boxes_follow_the_picture(vtest_frames):
    """The real walkway moved by a known shift: the boxes on it move by the same."""
    grey = cv2.cvtColor(vtest_frames[0].image, cv2.COLOR_BGR2GRAY)
    moved = cv2.warpAffine(
        grey, np.float32([[1, 0, 6], [0, 1, -4]]), grey.shape[::-1], borderMode=cv2.BORDER_REFLECT
    )
    boxes = np.array([[300, 150, 340, 250], [500, 300, 560, 420]], np.float32)
    out = shift_boxes(grey, moved, boxes)
    assert np.allclose(out - boxes, [[6, -4, 6, -4]] * 2, atol=0.5)
    assert np.allclose(shift_boxes(grey, grey, boxes), boxes, atol=0.1)  # nothing moved
    assert shift_boxes(grey, moved, np.zeros((0, 4))).shape == (0, 4)


def test_a_box_with_nothing_to_follow_stays_put():
    """A flat, featureless patch gives no trustworthy flow: the box keeps its place."""
    flat = np.full((200, 200), 128, np.uint8)
    boxes = np.array([[50, 50, 90, 150]], np.float32)
    assert np.allclose(shift_boxes(flat, flat.copy(), boxes), boxes)
